// SPDX-License-Identifier: GPL-2.0-or-later

// ksmcg-nri: an NRI plugin (the protocol of containerd 1.7 and 2.x and of
// CRI-O, github.com/containerd/nri pkg/stub) that gives a pod's or a
// container's cgroup the KSM settings its annotations ask for:
//
//	ksm.cgroup.dev/memory.ksm           "0" or "1"
//	ksm.cgroup.dev/memory.ksm.weight    "1" to "10000"
//	ksm.cgroup.dev/memory.ksm.isolated  "0" or "1"
//	ksm.cgroup.dev/scope                "container" (default) or "pod"
//
// Annotations are read from the container, then from its pod (the pod's
// annotations in Kubernetes); labels are never read (Kubernetes keeps them
// for selection).  Values are checked as `ksmctl oci-hook` checks them,
// with the same messages.
//
// Container scope: at CreateContainer the plugin adds the settings to the
// container's unified cgroup resources (linux.resources.unified), and the
// OCI runtime writes them when it creates the container's cgroup, before
// the container's program runs.  Pod scope: at RunPodSandbox the plugin
// writes them to the pod's cgroup (the sandbox's cgroup parent), in
// ksmctl's order (memory.ksm.isolated, memory.ksm.weight, memory.ksm),
// before the pod's first container is created.  A refused value fails
// RunPodSandbox or CreateContainer with the message, and nothing is
// written.
//
// Where the kernel lacks a file asked for, the plugin warns and the pod or
// container starts without it; with strict (the -strict option, or
// {"strict": true} as the plugin's configuration) that is an error.
//
// Run by containerd from /opt/nri/plugins as NN-ksmcg-nri (configuration in
// /etc/nri/conf.d/NN-ksmcg-nri.conf), or started on its own (a DaemonSet, a
// systemd service), connecting to /var/run/nri/nri.sock.  Messages go to
// standard error, or to the system log when containerd started the plugin
// (it gives its plugins no standard error).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/syslog"
	"os"
	"strings"

	"github.com/containerd/nri/pkg/api"
	"github.com/containerd/nri/pkg/stub"

	"ksm.cgroup.dev/k8s/ksmannot"
)

const pluginName = "ksmcg-nri"

type plugin struct {
	strict bool
	log    *logger
}

// logger writes to standard error or to syslog.
type logger struct {
	sys *syslog.Writer
}

func (l *logger) info(format string, a ...interface{}) {
	msg := fmt.Sprintf(format, a...)
	if l.sys != nil {
		_ = l.sys.Info(msg)
	} else {
		fmt.Fprintf(os.Stderr, "%s: %s\n", pluginName, msg)
	}
}

func (l *logger) warn(msg string) {
	if l.sys != nil {
		_ = l.sys.Warning("warning: " + msg)
	} else {
		fmt.Fprintf(os.Stderr, "%s: warning: %s\n", pluginName, msg)
	}
}

func (l *logger) err(msg string) {
	if l.sys != nil {
		_ = l.sys.Err(msg)
	} else {
		fmt.Fprintf(os.Stderr, "%s: %s\n", pluginName, msg)
	}
}

// config is the plugin's configuration, from containerd's conf.d file.
type config struct {
	Strict bool `json:"strict"`
}

func (p *plugin) Configure(_ context.Context, cfg, runtime, version string) (api.EventMask, error) {
	if strings.TrimSpace(cfg) != "" {
		var c config
		dec := json.NewDecoder(strings.NewReader(cfg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return 0, fmt.Errorf("%s: invalid configuration %q: %v", pluginName, cfg, err)
		}
		p.strict = p.strict || c.Strict
	}
	p.log.info("registered with %s %s (strict: %v)", runtime, version, p.strict)
	return api.MustParseEventMask("RunPodSandbox,CreateContainer"), nil
}

func podName(pod *api.PodSandbox) string {
	return pod.GetNamespace() + "/" + pod.GetName()
}

// podCgroup is the pod's cgroup: the sandbox's cgroup parent, checked
// against the cgroup its sandbox process is in when there is one.
func podCgroup(pod *api.PodSandbox) (string, error) {
	cg, err := ksmannot.CgroupOfParent(pod.GetLinux().GetCgroupParent())
	if err != nil {
		return "", err
	}
	if err := ksmannot.PodCgroup(cg); err != nil {
		return "", err
	}
	if pid := pod.GetPid(); pid > 0 {
		own, err := ksmannot.CgroupOfPid(pid)
		if err == nil && own != cg && !strings.HasPrefix(own, cg+"/") {
			return "", fmt.Errorf("the sandbox process %d is in %s, not in the pod's cgroup %s",
				pid, own, cg)
		}
	}
	return cg, nil
}

// RunPodSandbox applies pod scope to the pod's cgroup.
func (p *plugin) RunPodSandbox(_ context.Context, pod *api.PodSandbox) error {
	r, err := ksmannot.Parse(pod.GetAnnotations())
	if err != nil {
		p.log.err(fmt.Sprintf("pod %s: %v", podName(pod), err))
		return err
	}
	if !r.Pod || r.Empty() {
		return nil
	}
	cg, err := podCgroup(pod)
	if err == nil {
		r, err = ksmannot.Available(r, cg, p.strict, p.log.warn, "pod")
	}
	if err == nil {
		err = ksmannot.Apply(r, cg)
	}
	if err != nil {
		p.log.err(fmt.Sprintf("pod %s: %v", podName(pod), err))
		return err
	}
	p.log.info("pod %s: %s: %s", podName(pod), cg, describe(r))
	return nil
}

// CreateContainer puts container scope into the unified resources.
func (p *plugin) CreateContainer(_ context.Context, pod *api.PodSandbox, ctr *api.Container) (*api.ContainerAdjustment, []*api.ContainerUpdate, error) {
	name := podName(pod) + "/" + ctr.GetName()
	r, err := ksmannot.Parse(ctr.GetAnnotations(), pod.GetAnnotations())
	if err != nil {
		p.log.err(fmt.Sprintf("container %s: %v", name, err))
		return nil, nil, err
	}
	if r.Pod || r.Empty() {
		return nil, nil, nil
	}
	// The container's cgroup does not exist yet: what the kernel has is
	// checked on the pod's, whose child it will be.
	cg, err := ksmannot.CgroupOfParent(pod.GetLinux().GetCgroupParent())
	if err == nil {
		r, err = ksmannot.Available(r, cg, p.strict, p.log.warn, "container")
	}
	if err != nil {
		p.log.err(fmt.Sprintf("container %s: %v", name, err))
		return nil, nil, err
	}
	adj := &api.ContainerAdjustment{}
	if r.Isolated != "" {
		adj.AddLinuxUnified(ksmannot.FileIsolated, r.Isolated)
	}
	if r.Weight != "" {
		adj.AddLinuxUnified(ksmannot.FileWeight, r.Weight)
	}
	if r.KSM != "" {
		adj.AddLinuxUnified(ksmannot.FileKSM, r.KSM)
	}
	p.log.info("container %s: unified %s", name, describe(r))
	return adj, nil, nil
}

func describe(r *ksmannot.Request) string {
	var s []string
	if r.Isolated != "" {
		s = append(s, ksmannot.FileIsolated+"="+r.Isolated)
	}
	if r.Weight != "" {
		s = append(s, ksmannot.FileWeight+"="+r.Weight)
	}
	if r.KSM != "" {
		s = append(s, ksmannot.FileKSM+"="+r.KSM)
	}
	if len(s) == 0 {
		return "nothing the kernel has"
	}
	return strings.Join(s, " ")
}

// check: the "check" command, which validates KEY=VALUE annotations as the
// plugin does and prints the error, if any (exit status 1).
func check(args []string) int {
	m := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "%s check: %q is not KEY=VALUE\n", pluginName, a)
			return 2
		}
		m[k] = v
	}
	if _, err := ksmannot.Parse(m); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", pluginName, err)
		return 1
	}
	return 0
}

func main() {
	var (
		name   = flag.String("name", pluginName, "plugin name (when not started by the runtime)")
		idx    = flag.String("idx", "50", "plugin index, ordering the plugins (when not started by the runtime)")
		socket = flag.String("socket", api.DefaultSocketPath, "NRI socket to connect to")
		strict = flag.Bool("strict", false, "fail a pod or container when the kernel lacks a file asked for")
		cgroot = flag.String("cgroup-root", ksmannot.CgroupRoot, "where the node's cgroup v2 hierarchy is mounted")
	)
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: %s [options]\n       %s check KEY=VALUE...\n\n"+
			"NRI plugin: KSM cgroup settings from pod and container annotations.\n\nOptions:\n",
			os.Args[0], os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 && flag.Arg(0) == "check" {
		os.Exit(check(flag.Args()[1:]))
	} else if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	ksmannot.CgroupRoot = *cgroot
	p := &plugin{strict: *strict, log: &logger{}}
	var opts []stub.Option
	if os.Getenv(api.PluginSocketEnvVar) != "" {
		// Started by the runtime: name, index and connection come from it.
		if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, pluginName); err == nil {
			p.log.sys = w
		}
	} else {
		opts = append(opts, stub.WithPluginName(*name), stub.WithPluginIdx(*idx),
			stub.WithSocketPath(*socket))
	}
	s, err := stub.New(p, opts...)
	if err != nil {
		p.log.err(fmt.Sprintf("cannot create the plugin: %v", err))
		os.Exit(1)
	}
	if err := s.Run(context.Background()); err != nil {
		p.log.err(fmt.Sprintf("plugin stopped: %v", err))
		os.Exit(1)
	}
}
