// SPDX-License-Identifier: GPL-2.0-or-later

// Package ksmannot reads the project's KSM annotations of a Kubernetes pod
// or container and applies them to a cgroup, exactly as `ksmctl oci-hook`
// does (tools/ksmctl/cmd-hook.c): the same annotations, the same checks,
// the same messages, the same order of writes.
//
//	ksm.cgroup.dev/memory.ksm           "0" or "1"
//	ksm.cgroup.dev/memory.ksm.weight    "1" to "10000"
//	ksm.cgroup.dev/memory.ksm.isolated  "0" or "1"
//	ksm.cgroup.dev/scope                "container" (default) or "pod"
//
// Every annotation is checked before the first write, so that a value that
// is refused leaves the cgroup as it was.
package ksmannot

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

const (
	AnnotationKSM      = "ksm.cgroup.dev/memory.ksm"
	AnnotationWeight   = "ksm.cgroup.dev/memory.ksm.weight"
	AnnotationIsolated = "ksm.cgroup.dev/memory.ksm.isolated"
	AnnotationScope    = "ksm.cgroup.dev/scope"

	FileKSM      = "memory.ksm"
	FileWeight   = "memory.ksm.weight"
	FileIsolated = "memory.ksm.isolated"

	WeightMin = 1
	WeightMax = 10000
)

// CgroupRoot is where the cgroup v2 hierarchy is mounted.
var CgroupRoot = "/sys/fs/cgroup"

// Request is what the annotations ask for: each value "" if not asked.
type Request struct {
	KSM      string
	Weight   string
	Isolated string
	Pod      bool // scope "pod"
}

// Empty is true if the annotations ask for nothing to be written.
func (r *Request) Empty() bool {
	return r.KSM == "" && r.Weight == "" && r.Isolated == ""
}

// Quote gives a value as ksmctl's messages show it: a JSON string as
// json-c writes it (byte by byte; control characters as \u00xx, '/' not
// escaped).
func Quote(s string) string {
	var b strings.Builder

	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < ' ' {
				fmt.Fprintf(&b, `\u00%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// weightValid: exactly "1" to "10000", no sign, no leading zero, no space.
func weightValid(s string) bool {
	if len(s) == 0 || len(s) > 5 || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return false
	}
	w, err := strconv.Atoi(s)
	return err == nil && w >= WeightMin && w <= WeightMax
}

func lookup(maps []map[string]string, key string) (string, bool) {
	for _, m := range maps {
		if v, ok := m[key]; ok {
			return v, true
		}
	}
	return "", false
}

// Parse checks the annotations in maps (the first map that has a key wins)
// and returns what they ask for; an error names the annotation and value.
func Parse(maps ...map[string]string) (*Request, error) {
	r := &Request{}

	if v, ok := lookup(maps, AnnotationKSM); ok {
		if v != "0" && v != "1" {
			return nil, fmt.Errorf("annotation %s: invalid value %s: must be \"0\" or \"1\"",
				AnnotationKSM, Quote(v))
		}
		r.KSM = v
	}
	if v, ok := lookup(maps, AnnotationIsolated); ok {
		if v != "0" && v != "1" {
			return nil, fmt.Errorf("annotation %s: invalid value %s: must be \"0\" or \"1\"",
				AnnotationIsolated, Quote(v))
		}
		r.Isolated = v
	}
	if v, ok := lookup(maps, AnnotationWeight); ok {
		if !weightValid(v) {
			return nil, fmt.Errorf("annotation %s: invalid value %s: must be an integer from %d to %d",
				AnnotationWeight, Quote(v), WeightMin, WeightMax)
		}
		r.Weight = v
	}
	if v, ok := lookup(maps, AnnotationScope); ok {
		if v != "container" && v != "pod" {
			return nil, fmt.Errorf("annotation %s: invalid value %s: must be \"container\" or \"pod\"",
				AnnotationScope, Quote(v))
		}
		r.Pod = v == "pod"
	}
	return r, nil
}

// ---- cgroups -----------------------------------------------------------------

// SlicePath is the cgroup of the systemd slice unit name:
// "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice, "-.slice" the root.
func SlicePath(slice string) (string, error) {
	if slice == "-.slice" {
		return "/", nil
	}
	base, ok := strings.CutSuffix(slice, ".slice")
	if !ok || base == "" || strings.Contains(slice, "/") || slice[0] == '-' {
		return "", fmt.Errorf("invalid slice name %q", slice)
	}
	p := ""
	for i := 0; i < len(base); i++ {
		if base[i] != '-' {
			continue
		}
		if i+1 == len(base) || base[i+1] == '-' {
			return "", fmt.Errorf("invalid slice name %q", slice)
		}
		p += "/" + base[:i] + ".slice"
	}
	return p + "/" + slice, nil
}

// CgroupOfParent is the cgroup that a CRI cgroup_parent names: a slice
// name for the systemd driver (the kubelet passes the pod's slice, e.g.
// kubepods-besteffort-pod<uid>.slice), else a path for the cgroupfs one.
func CgroupOfParent(parent string) (string, error) {
	if parent == "" {
		return "", errors.New("the pod has no cgroup parent")
	}
	if strings.HasSuffix(parent, ".slice") {
		return SlicePath(path.Base(parent))
	}
	if !strings.HasPrefix(parent, "/") {
		return "", fmt.Errorf("invalid cgroup parent %q", parent)
	}
	return path.Clean(parent), nil
}

// CgroupOfPid is the cgroup v2 path of process pid.
func CgroupOfPid(pid uint32) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if cg, ok := strings.CutPrefix(l, "0::"); ok {
			return path.Clean(cg), nil
		}
	}
	return "", fmt.Errorf("process %d: no cgroup v2 in /proc/%d/cgroup", pid, pid)
}

// File is the path of file of cgroup cg.
func File(cg, file string) string {
	return path.Join(CgroupRoot, cg, file)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// missingReason: why file of the existing cgroup cg is missing.
func missingReason(cg, file string) string {
	if !exists(File(cg, "memory.current")) {
		return "the memory controller is not enabled for the cgroup"
	}
	if !exists(File(cg, FileKSM)) {
		return "the kernel has no cgroup KSM"
	}
	if file == FileIsolated {
		return "the kernel has no memory.ksm.isolated (no KSM merge domains)"
	}
	return "the kernel has no memory.ksm.weight"
}

// Warner takes the warnings about files the kernel lacks.
type Warner func(msg string)

// need: is file of cg there?  If not: an error when strict, else a
// warning (what then starts, starts without it).
func need(cg, file string, strict bool, warn Warner, what string) (bool, error) {
	p := File(cg, file)
	_, err := os.Stat(p)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("%s: %v", p, err)
	}
	if strict {
		return false, fmt.Errorf("%s is missing: %s", p, missingReason(cg, file))
	}
	iso := ""
	if file == FileIsolated {
		iso = ", sharing one merge domain with every KSM-enabled process on the node"
	}
	warn(fmt.Sprintf("%s is missing: %s; the %s starts without it%s (strict makes this an error)",
		p, missingReason(cg, file), what, iso))
	return false, nil
}

// Available drops from r what the kernel lacks, as checked on the cgroup
// cg: an error if strict, a warning otherwise.  Without memory.ksm the
// weight goes too.  what names what starts ("container", "pod").
func Available(r *Request, cg string, strict bool, warn Warner, what string) (*Request, error) {
	out := *r
	if out.KSM != "" {
		ok, err := need(cg, FileKSM, strict, warn, what)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.KSM, out.Weight = "", ""
		}
	}
	if out.Isolated != "" {
		ok, err := need(cg, FileIsolated, strict, warn, what)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Isolated = ""
		}
	}
	if out.Weight != "" {
		ok, err := need(cg, FileWeight, strict, warn, what)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Weight = ""
		}
	}
	return &out, nil
}

func write(cg, file, value string) error {
	p := File(cg, file)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err == nil {
		_, err = f.WriteString(value)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s to %s: %v", value, p, err)
	}
	return nil
}

func read(cg, file string) (string, error) {
	p := File(cg, file)
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Apply writes r (already through Available) to the cgroup cg in this
// order: memory.ksm.isolated before anything that lets KSM merge, so that
// no page is merged outside the cgroup's domain; memory.ksm.weight, so
// that merging starts with it; memory.ksm.  If a write fails, the ones
// before it get their old values back: a failure leaves the cgroup as it
// was.
func Apply(r *Request, cg string) error {
	var oldIsolated, oldWeight string
	var err error

	if r.Isolated != "" && (r.Weight != "" || r.KSM != "") {
		if oldIsolated, err = read(cg, FileIsolated); err != nil {
			return err
		}
	}
	if r.Weight != "" && r.KSM != "" {
		if oldWeight, err = read(cg, FileWeight); err != nil {
			return err
		}
	}
	wroteIsolated := false
	if r.Isolated != "" {
		if err = write(cg, FileIsolated, r.Isolated); err != nil {
			return err
		}
		wroteIsolated = true
	}
	if r.Weight != "" {
		err = write(cg, FileWeight, r.Weight)
	}
	if err == nil && r.KSM != "" {
		err = write(cg, FileKSM, r.KSM)
		if err != nil && oldWeight != "" {
			_ = write(cg, FileWeight, oldWeight)
		}
	}
	if err != nil && wroteIsolated && oldIsolated != "" && oldIsolated != r.Isolated {
		_ = write(cg, FileIsolated, oldIsolated)
	}
	return err
}

// PodCgroup checks that cg can be a pod's cgroup: not the root, not a
// top-level cgroup (system.slice, kubepods.slice), which KSM must not span.
func PodCgroup(cg string) error {
	if cg == "/" || !strings.Contains(cg[1:], "/") {
		return fmt.Errorf("annotation %s=pod: %s is not a pod's cgroup: it is a top-level cgroup, which KSM must not span",
			AnnotationScope, cg)
	}
	return nil
}
