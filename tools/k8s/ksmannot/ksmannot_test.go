// SPDX-License-Identifier: GPL-2.0-or-later

package ksmannot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := []struct {
		ann  map[string]string
		want Request
	}{
		{map[string]string{}, Request{}},
		{map[string]string{AnnotationKSM: "1"}, Request{KSM: "1"}},
		{map[string]string{AnnotationKSM: "0", AnnotationWeight: "10000", AnnotationIsolated: "1",
			AnnotationScope: "pod"}, Request{KSM: "0", Weight: "10000", Isolated: "1", Pod: true}},
		{map[string]string{AnnotationWeight: "1", AnnotationScope: "container"}, Request{Weight: "1"}},
		{map[string]string{"ksm.cgroup.dev/other": "x", "memory.ksm": "2"}, Request{}},
	}
	for _, c := range ok {
		r, err := Parse(c.ann)
		if err != nil || *r != c.want {
			t.Errorf("Parse(%v) = %+v, %v; want %+v", c.ann, r, err, c.want)
		}
	}
	bad := []struct {
		key, value, msg string
	}{
		{AnnotationKSM, "yes", `annotation ksm.cgroup.dev/memory.ksm: invalid value "yes": must be "0" or "1"`},
		{AnnotationKSM, " 1", `annotation ksm.cgroup.dev/memory.ksm: invalid value " 1": must be "0" or "1"`},
		{AnnotationKSM, "", `annotation ksm.cgroup.dev/memory.ksm: invalid value "": must be "0" or "1"`},
		{AnnotationIsolated, "true", `annotation ksm.cgroup.dev/memory.ksm.isolated: invalid value "true": must be "0" or "1"`},
		{AnnotationWeight, "0", `annotation ksm.cgroup.dev/memory.ksm.weight: invalid value "0": must be an integer from 1 to 10000`},
		{AnnotationWeight, "10001", `annotation ksm.cgroup.dev/memory.ksm.weight: invalid value "10001": must be an integer from 1 to 10000`},
		{AnnotationWeight, "010", `annotation ksm.cgroup.dev/memory.ksm.weight: invalid value "010": must be an integer from 1 to 10000`},
		{AnnotationWeight, "+5", `annotation ksm.cgroup.dev/memory.ksm.weight: invalid value "+5": must be an integer from 1 to 10000`},
		{AnnotationWeight, "5\n", `annotation ksm.cgroup.dev/memory.ksm.weight: invalid value "5\n": must be an integer from 1 to 10000`},
		{AnnotationScope, "node", `annotation ksm.cgroup.dev/scope: invalid value "node": must be "container" or "pod"`},
		{AnnotationKSM, "a\"b\\c\x01/\t", `annotation ksm.cgroup.dev/memory.ksm: invalid value "a\"b\\c\u0001/\t": must be "0" or "1"`},
	}
	for _, c := range bad {
		_, err := Parse(map[string]string{c.key: c.value})
		if err == nil || err.Error() != c.msg {
			t.Errorf("Parse(%s=%q) = %v; want %s", c.key, c.value, err, c.msg)
		}
	}
}

// The first map that has a key wins: a container's annotation over its pod's.
func TestParseOrder(t *testing.T) {
	r, err := Parse(map[string]string{AnnotationKSM: "0"}, map[string]string{AnnotationKSM: "1",
		AnnotationWeight: "7"})
	if err != nil || r.KSM != "0" || r.Weight != "7" {
		t.Errorf("got %+v, %v", r, err)
	}
	// A refused value is refused wherever it is.
	if _, err := Parse(map[string]string{}, map[string]string{AnnotationScope: "x"}); err == nil {
		t.Error("a refused value in the second map was taken")
	}
}

func TestSlicePath(t *testing.T) {
	for in, want := range map[string]string{
		"-.slice":      "/",
		"system.slice": "/system.slice",
		"kubepods-besteffort-pod12_34.slice": "/kubepods.slice/kubepods-besteffort.slice/" +
			"kubepods-besteffort-pod12_34.slice",
	} {
		if got, err := SlicePath(in); err != nil || got != want {
			t.Errorf("SlicePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".slice", "a.scope", "a/b.slice", "-a.slice", "a--b.slice", "a-.slice"} {
		if got, err := SlicePath(in); err == nil {
			t.Errorf("SlicePath(%q) = %q; want an error", in, got)
		}
	}
	if got, err := CgroupOfParent("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice"); err != nil ||
		got != "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice" {
		t.Errorf("CgroupOfParent of a slice path = %q, %v", got, err)
	}
	if got, err := CgroupOfParent("/kubepods/besteffort/pod1/"); err != nil || got != "/kubepods/besteffort/pod1" {
		t.Errorf("CgroupOfParent of a cgroupfs path = %q, %v", got, err)
	}
	for _, in := range []string{"", "kubepods"} {
		if _, err := CgroupOfParent(in); err == nil {
			t.Errorf("CgroupOfParent(%q): want an error", in)
		}
	}
	if PodCgroup("/kubepods.slice") == nil || PodCgroup("/") == nil || PodCgroup("/kubepods/pod1") != nil {
		t.Error("PodCgroup: a top-level cgroup taken or a pod's refused")
	}
}

// fakeCgroup makes a cgroup directory under a fake root with files.
func fakeCgroup(t *testing.T, files map[string]string) string {
	root := t.TempDir()
	CgroupRoot = root
	cg := "/pod"
	if err := os.MkdirAll(filepath.Join(root, cg), 0o755); err != nil {
		t.Fatal(err)
	}
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(root, cg, f), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cg
}

func TestAvailable(t *testing.T) {
	all := &Request{KSM: "1", Weight: "5", Isolated: "1"}

	// No memory.ksm: a warning names the file and the reason, and
	// memory.ksm and the weight are dropped.
	cg := fakeCgroup(t, map[string]string{"memory.current": "0"})
	var warns []string
	r, err := Available(all, cg, false, func(m string) { warns = append(warns, m) }, "container")
	if err != nil || !r.Empty() || len(warns) != 2 {
		t.Fatalf("without cgroup KSM: %+v, %v, %q", r, err, warns)
	}
	if !strings.Contains(warns[0], CgroupRoot+"/pod/memory.ksm is missing: the kernel has no cgroup KSM; "+
		"the container starts without it") {
		t.Errorf("warning %q", warns[0])
	}
	if !strings.Contains(warns[1], "memory.ksm.isolated is missing: the kernel has no cgroup KSM; "+
		"the container starts without it, sharing one merge domain with every KSM-enabled process on the node") {
		t.Errorf("warning %q", warns[1])
	}
	// Strict: an error, nothing dropped silently.
	_, err = Available(all, cg, true, func(string) { t.Error("warned when strict") }, "pod")
	if err == nil || err.Error() != CgroupRoot+"/pod/memory.ksm is missing: the kernel has no cgroup KSM" {
		t.Errorf("strict: %v", err)
	}

	// No memory controller.
	cg = fakeCgroup(t, nil)
	_, err = Available(all, cg, true, nil, "pod")
	if err == nil || !strings.HasSuffix(err.Error(), "the memory controller is not enabled for the cgroup") {
		t.Errorf("no memory controller: %v", err)
	}

	// memory.ksm without merge domains: the isolation is dropped.
	cg = fakeCgroup(t, map[string]string{"memory.current": "0", FileKSM: "0", FileWeight: "100"})
	warns = nil
	r, err = Available(all, cg, false, func(m string) { warns = append(warns, m) }, "pod")
	if err != nil || *r != (Request{KSM: "1", Weight: "5"}) || len(warns) != 1 ||
		!strings.Contains(warns[0], "the kernel has no memory.ksm.isolated (no KSM merge domains)") {
		t.Errorf("without merge domains: %+v, %v, %q", r, err, warns)
	}
}

func TestApply(t *testing.T) {
	files := map[string]string{"memory.current": "0", FileKSM: "0", FileWeight: "100", FileIsolated: "0"}
	cg := fakeCgroup(t, files)
	if err := Apply(&Request{KSM: "1", Weight: "5", Isolated: "1"}, cg); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{FileKSM: "1", FileWeight: "5", FileIsolated: "1"} {
		if got, _ := read(cg, f); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}

	// memory.ksm cannot be written: the weight and the isolation get
	// their old values back.
	cg = fakeCgroup(t, files)
	if err := os.Remove(File(cg, FileKSM)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(File(cg, FileKSM), 0o755); err != nil { // a directory: the write fails
		t.Fatal(err)
	}
	err := Apply(&Request{KSM: "1", Weight: "5", Isolated: "1"}, cg)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot write 1 to "+File(cg, FileKSM)) {
		t.Errorf("failed write: %v", err)
	}
	for f, want := range map[string]string{FileWeight: "100", FileIsolated: "0"} {
		if got, _ := read(cg, f); got != want {
			t.Errorf("after the failure %s = %q, want %q", f, got, want)
		}
	}
}
