// SPDX-License-Identifier: GPL-2.0-or-later

// ksmcg-cri: a CRI client that drives a container runtime (containerd's CRI
// plugin) the way the kubelet does, for the tests of the Kubernetes path.
//
//	ksmcg-cri run POD.json   make the pod's slice, RunPodSandbox,
//	                         CreateContainer and StartContainer for each
//	                         container; print the pod as JSON
//	ksmcg-cri rm POD-UID     StopPodSandbox, RemovePodSandbox, stop the
//	                         pod's slice
//
// POD.json:
//
//	{"name": "p", "namespace": "default", "uid": "0f6e...",
//	 "runtime_handler": "runc", "annotations": {"k": "v"},
//	 "containers": [{"name": "a", "image": "localhost/ksmcg/workload:1",
//	                 "command": ["sh", "-c", "..."], "annotations": {},
//	                 "mounts": [{"host": "/x", "container": "/x"}]}]}
//
// As the kubelet with the systemd cgroup driver, for a BestEffort pod: the
// pod's cgroup is the transient slice
// kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice
// (the uid's "-" written "_"), made through systemd's D-Bus API before the
// sandbox, passed as the sandbox's cgroup_parent, and stopped once the
// sandbox is removed.  Pods run in the node's network namespace (no CNI).
//
// If a step fails, the error from the runtime is printed and what was
// made is removed again, unless --keep (then `rm` removes it).  Exit
// status 1 on a CRI error, 2 on a usage error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/dbus"
	godbus "github.com/godbus/dbus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const stateDir = "/run/ksmcg-cri"

type mountSpec struct {
	Host      string `json:"host"`
	Container string `json:"container"`
	Readonly  bool   `json:"readonly"`
}

type containerSpec struct {
	Name        string            `json:"name"`
	Image       string            `json:"image"`
	Command     []string          `json:"command"`
	Annotations map[string]string `json:"annotations"`
	Mounts      []mountSpec       `json:"mounts"`
}

type podSpec struct {
	Name           string            `json:"name"`
	Namespace      string            `json:"namespace"`
	UID            string            `json:"uid"`
	RuntimeHandler string            `json:"runtime_handler"`
	Annotations    map[string]string `json:"annotations"`
	Containers     []containerSpec   `json:"containers"`
}

// The pod as made, printed by run and kept in stateDir for rm.
type containerState struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	Pid  int    `json:"pid"`
}

type podState struct {
	UID          string           `json:"uid"`
	Slice        string           `json:"slice"`
	CgroupParent string           `json:"cgroup_parent"`
	SandboxID    string           `json:"sandbox_id"`
	SandboxPid   int              `json:"sandbox_pid"`
	Containers   []containerState `json:"containers"`
	Error        string           `json:"error,omitempty"`
	Step         string           `json:"step,omitempty"`
}

var (
	endpoint = flag.String("endpoint", "unix:///run/containerd/containerd.sock", "the runtime's CRI endpoint")
	timeout  = flag.Duration("timeout", 120*time.Second, "timeout of each CRI call")
	keep     = flag.Bool("keep", false, "keep what was made when a step fails (remove it with rm)")
)

func die(code int, format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "ksmcg-cri: "+format+"\n", a...)
	os.Exit(code)
}

// The kubelet's slice names for a BestEffort pod (pkg/kubelet/cm,
// cgroup_manager_linux.go: ToSystemd escapes "-" in each part as "_").
const qosSlice = "kubepods-besteffort.slice"

func podSlice(uid string) string {
	return "kubepods-besteffort-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice"
}

// startSlice makes a transient slice as runc's systemd driver does for the
// kubelet (libcontainer/cgroups/systemd, Apply of a ".slice" unit).
func startSlice(conn *sddbus.Conn, name, parent string) error {
	props := []sddbus.Property{
		sddbus.PropDescription("libcontainer container " + name),
		sddbus.PropWants(parent),
		{Name: "DefaultDependencies", Value: godbus.MakeVariant(false)},
		{Name: "MemoryAccounting", Value: godbus.MakeVariant(true)},
		{Name: "CPUAccounting", Value: godbus.MakeVariant(true)},
		{Name: "IOAccounting", Value: godbus.MakeVariant(true)},
		{Name: "TasksAccounting", Value: godbus.MakeVariant(true)},
	}
	ch := make(chan string, 1)
	if _, err := conn.StartTransientUnit(name, "replace", props, ch); err != nil {
		if dbe, ok := err.(godbus.Error); ok && dbe.Name == "org.freedesktop.systemd1.UnitExists" {
			return nil
		}
		return fmt.Errorf("starting %s: %v", name, err)
	}
	select {
	case r := <-ch:
		if r != "done" {
			return fmt.Errorf("starting %s: %s", name, r)
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("starting %s: timed out", name)
	}
	return nil
}

func stopSlice(conn *sddbus.Conn, name string) error {
	ch := make(chan string, 1)
	if _, err := conn.StopUnit(name, "replace", ch); err != nil {
		return fmt.Errorf("stopping %s: %v", name, err)
	}
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("stopping %s: timed out", name)
	}
	return nil
}

func connect() (cri.RuntimeServiceClient, *grpc.ClientConn) {
	cc, err := grpc.NewClient(*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		die(1, "%s: %v", *endpoint, err)
	}
	return cri.NewRuntimeServiceClient(cc), cc
}

func call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), *timeout)
}

// pidOf is the process ID in the verbose status of a sandbox or container
// (containerd's "info" JSON).
func pidOf(info map[string]string) int {
	var v struct {
		Pid int `json:"pid"`
	}
	_ = json.Unmarshal([]byte(info["info"]), &v)
	return v.Pid
}

func statePath(uid string) string {
	return filepath.Join(stateDir, uid+".json")
}

func save(st *podState) {
	b, _ := json.MarshalIndent(st, "", "  ")
	_ = os.MkdirAll(stateDir, 0o755)
	if err := os.WriteFile(statePath(st.UID), append(b, '\n'), 0o644); err != nil {
		die(1, "%v", err)
	}
}

func run(specFile string) int {
	b, err := os.ReadFile(specFile)
	if err != nil {
		die(2, "%v", err)
	}
	var spec podSpec
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		die(2, "%s: %v", specFile, err)
	}
	if spec.Name == "" || spec.UID == "" {
		die(2, "%s: a pod needs a name and a uid", specFile)
	}
	if spec.Namespace == "" {
		spec.Namespace = "default"
	}

	st := &podState{UID: spec.UID, Slice: podSlice(spec.UID)}
	st.CgroupParent = st.Slice
	conn, err := sddbus.NewSystemConnectionContext(context.Background())
	if err != nil {
		die(1, "systemd: %v", err)
	}
	defer conn.Close()
	rt, cc := connect()
	defer cc.Close()

	fail := func(step string, err error) int {
		st.Step, st.Error = step, err.Error()
		fmt.Fprintf(os.Stderr, "ksmcg-cri: %s: %v\n", step, err)
		save(st)
		if !*keep {
			remove(rt, conn, st)
		}
		out, _ := json.MarshalIndent(st, "", "  ")
		fmt.Println(string(out))
		return 1
	}

	save(st)
	for _, s := range []struct{ name, parent string }{
		{"kubepods.slice", "-.slice"},
		{qosSlice, "kubepods.slice"},
		{st.Slice, qosSlice},
	} {
		if err := startSlice(conn, s.name, s.parent); err != nil {
			return fail("pod cgroup", err)
		}
	}

	meta := &cri.PodSandboxMetadata{Name: spec.Name, Uid: spec.UID, Namespace: spec.Namespace}
	sbcfg := &cri.PodSandboxConfig{
		// No hostname: the kubelet sets none for a pod in the node's
		// network (and UTS) namespace.
		Metadata:     meta,
		LogDirectory: filepath.Join("/var/log/pods", spec.Namespace+"_"+spec.Name+"_"+spec.UID),
		Labels: map[string]string{
			"io.kubernetes.pod.name":      spec.Name,
			"io.kubernetes.pod.namespace": spec.Namespace,
			"io.kubernetes.pod.uid":       spec.UID,
		},
		Annotations: spec.Annotations,
		Linux: &cri.LinuxPodSandboxConfig{
			CgroupParent: st.CgroupParent,
			SecurityContext: &cri.LinuxSandboxSecurityContext{
				NamespaceOptions: &cri.NamespaceOption{Network: cri.NamespaceMode_NODE},
			},
		},
	}
	ctx, cancel := call()
	rp, err := rt.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: sbcfg, RuntimeHandler: spec.RuntimeHandler})
	cancel()
	if err != nil {
		return fail("RunPodSandbox", err)
	}
	st.SandboxID = rp.PodSandboxId
	save(st)
	ctx, cancel = call()
	ps, err := rt.PodSandboxStatus(ctx, &cri.PodSandboxStatusRequest{PodSandboxId: st.SandboxID, Verbose: true})
	cancel()
	if err == nil {
		st.SandboxPid = pidOf(ps.Info)
	}

	for _, c := range spec.Containers {
		ccfg := &cri.ContainerConfig{
			Metadata:    &cri.ContainerMetadata{Name: c.Name},
			Image:       &cri.ImageSpec{Image: c.Image},
			Command:     c.Command,
			Annotations: c.Annotations,
			Labels: map[string]string{
				"io.kubernetes.container.name": c.Name,
				"io.kubernetes.pod.name":       spec.Name,
				"io.kubernetes.pod.namespace":  spec.Namespace,
				"io.kubernetes.pod.uid":        spec.UID,
			},
			LogPath: c.Name + "/0.log",
			Linux:   &cri.LinuxContainerConfig{},
		}
		for _, m := range c.Mounts {
			ccfg.Mounts = append(ccfg.Mounts, &cri.Mount{ContainerPath: m.Container,
				HostPath: m.Host, Readonly: m.Readonly})
		}
		ctx, cancel = call()
		rc, err := rt.CreateContainer(ctx, &cri.CreateContainerRequest{PodSandboxId: st.SandboxID,
			Config: ccfg, SandboxConfig: sbcfg})
		cancel()
		if err != nil {
			return fail("CreateContainer "+c.Name, err)
		}
		cs := containerState{Name: c.Name, ID: rc.ContainerId}
		st.Containers = append(st.Containers, cs)
		save(st)
		ctx, cancel = call()
		_, err = rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: cs.ID})
		cancel()
		if err != nil {
			return fail("StartContainer "+c.Name, err)
		}
		ctx, cancel = call()
		s, err := rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: cs.ID, Verbose: true})
		cancel()
		if err != nil {
			return fail("ContainerStatus "+c.Name, err)
		}
		st.Containers[len(st.Containers)-1].Pid = pidOf(s.Info)
	}
	save(st)
	out, _ := json.MarshalIndent(st, "", "  ")
	fmt.Println(string(out))
	return 0
}

// remove stops and removes the sandbox (and so its containers), then the
// pod's slice, as the kubelet does when a pod is deleted.
func remove(rt cri.RuntimeServiceClient, conn *sddbus.Conn, st *podState) error {
	var first error
	note := func(err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "ksmcg-cri: %v\n", err)
			if first == nil {
				first = err
			}
		}
	}
	if st.SandboxID != "" {
		ctx, cancel := call()
		_, err := rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: st.SandboxID})
		cancel()
		if err != nil {
			note(fmt.Errorf("StopPodSandbox: %v", err))
		} else {
			ctx, cancel = call()
			_, err = rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: st.SandboxID})
			cancel()
			if err != nil {
				note(fmt.Errorf("RemovePodSandbox: %v", err))
			}
		}
	}
	if first == nil {
		note(stopSlice(conn, st.Slice))
	}
	if first == nil {
		_ = os.Remove(statePath(st.UID))
	}
	return first
}

func rm(uid string) int {
	b, err := os.ReadFile(statePath(uid))
	if err != nil {
		die(1, "%v", err)
	}
	var st podState
	if err := json.Unmarshal(b, &st); err != nil {
		die(1, "%s: %v", statePath(uid), err)
	}
	conn, err := sddbus.NewSystemConnectionContext(context.Background())
	if err != nil {
		die(1, "systemd: %v", err)
	}
	defer conn.Close()
	rt, cc := connect()
	defer cc.Close()
	if remove(rt, conn, &st) != nil {
		return 1
	}
	return 0
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: %s [options] run POD.json | rm POD-UID\n\nOptions:\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	switch {
	case flag.NArg() == 2 && flag.Arg(0) == "run":
		os.Exit(run(flag.Arg(1)))
	case flag.NArg() == 2 && flag.Arg(0) == "rm":
		os.Exit(rm(flag.Arg(1)))
	}
	flag.Usage()
	os.Exit(2)
}
