package deploy

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/collectors"
)

// agent returns the agent DaemonSet of hwgraph.yaml, as JSON.
func agent(t *testing.T) []byte {
	t.Helper()
	for _, d := range bytes.Split(Manifests, []byte("\n---\n")) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(d, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Kind == "DaemonSet" {
			j, err := yaml.YAMLToJSON(d)
			if err != nil {
				t.Fatal(err)
			}
			return j
		}
	}
	t.Fatal("no DaemonSet in hwgraph.yaml")
	return nil
}

// patched is the agent with a patch applied as kubectl patch would.
func patched(t *testing.T, patch []byte) *appsv1.DaemonSet {
	t.Helper()
	var strict appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(patch, &strict); err != nil {
		t.Fatalf("patch does not decode into a DaemonSet: %v", err)
	}
	p, err := yaml.YAMLToJSON(patch)
	if err != nil {
		t.Fatal(err)
	}
	out, err := strategicpatch.StrategicMergePatch(agent(t), p, appsv1.DaemonSet{})
	if err != nil {
		t.Fatalf("strategic merge: %v", err)
	}
	var ds appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(out, &ds); err != nil {
		t.Fatalf("patched DaemonSet: %v", err)
	}
	return &ds
}

// TestPatches: the devices patch makes the agent privileged (host
// devices: /dev/kmsg, /dev/ipmi0), keeping its mounts and arguments; the
// GPU patch runs it with the NVIDIA runtime and the driver's utility
// capability, on GPU nodes, and nothing more.
func TestPatches(t *testing.T) {
	dev := patched(t, DevicesPatch)
	c := dev.Spec.Template.Spec.Containers[0]
	if sc := c.SecurityContext; sc == nil || sc.Privileged == nil || !*sc.Privileged || *sc.AllowPrivilegeEscalation != true {
		t.Errorf("devices patch: security context %+v", sc)
	}
	if len(c.VolumeMounts) != 4 || !slices.Contains(c.Args, "--host-root=/host") {
		t.Errorf("devices patch lost mounts or arguments: %v %v", c.VolumeMounts, c.Args)
	}
	gpu := patched(t, GPUPatch)
	spec := gpu.Spec.Template.Spec
	env := map[string]string{}
	for _, e := range spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if spec.RuntimeClassName == nil || *spec.RuntimeClassName != "nvidia" || env["NVIDIA_DRIVER_CAPABILITIES"] != "utility" ||
		env["NVIDIA_VISIBLE_DEVICES"] != "all" || spec.NodeSelector["nvidia.com/gpu.present"] != "true" {
		t.Errorf("GPU patch: runtime %v, env %v, selector %v", spec.RuntimeClassName, env, spec.NodeSelector)
	}
	if sc := spec.Containers[0].SecurityContext; sc.Privileged == nil || *sc.Privileged {
		t.Error("the GPU patch makes the agent privileged")
	}
}

// TestAgentMountsWhatCollectorsRead: every file a collector declares it
// reads (collectors' Reads, which a capture copies) is below a host
// folder the agent mounts read-only where --host-root finds it.
func TestAgentMountsWhatCollectorsRead(t *testing.T) {
	var ds appsv1.DaemonSet
	if err := yaml.Unmarshal(agent(t), &ds); err != nil {
		t.Fatal(err)
	}
	spec := ds.Spec.Template.Spec
	c := spec.Containers[0]
	hostRoot := ""
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--host-root="); ok {
			hostRoot = v
		}
	}
	if hostRoot == "" {
		t.Fatalf("the agent has no --host-root: %v", c.Args)
	}
	hostPath := map[string]string{} // volume → host path
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			hostPath[v.Name] = v.HostPath.Path
		}
	}
	mounted := map[string]bool{} // host path, read-only, where --host-root reads it
	for _, m := range c.VolumeMounts {
		if p, ok := hostPath[m.Name]; ok && m.ReadOnly && m.MountPath == path.Join(hostRoot, p) {
			mounted[p] = true
		}
	}
	reads := collectors.New(collectors.Options{}).Reads()
	if len(reads) < 50 {
		t.Fatalf("%d reads declared", len(reads))
	}
	for _, r := range reads {
		top := "/" + strings.SplitN(r.Path, "/", 2)[0]
		if !mounted[top] {
			t.Errorf("%s is read (%s) but the agent does not mount the host's %s read-only at %s", r.Path, top, top, path.Join(hostRoot, top))
		}
	}
}
