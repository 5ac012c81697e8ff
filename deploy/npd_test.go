package deploy

import (
	"os"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

// TestNPDPatch: the patch, applied as kubectl patch applies it to
// node-problem-detector's own DaemonSet (its deployment manifest, in
// testdata), copies hwgraph in before NPD starts, mounts it at the path
// the plugin configuration runs, points NPD at that configuration, and
// tells the plugin where the node's agent listens; NPD's own mounts and
// monitors stay. The ConfigMap holds the plugin configuration byte for
// byte.
func TestNPDPatch(t *testing.T) {
	upstream, err := os.ReadFile("../testdata/node-problem-detector/node-problem-detector.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, err := yaml.YAMLToJSON(upstream)
	if err != nil {
		t.Fatal(err)
	}
	var strict appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(NPDPatch, &strict); err != nil {
		t.Fatalf("the patch does not decode into a DaemonSet: %v", err)
	}
	patch, err := yaml.YAMLToJSON(NPDPatch)
	if err != nil {
		t.Fatal(err)
	}
	out, err := strategicpatch.StrategicMergePatch(base, patch, appsv1.DaemonSet{})
	if err != nil {
		t.Fatalf("strategic merge: %v", err)
	}
	var ds appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(out, &ds); err != nil {
		t.Fatal(err)
	}
	spec := ds.Spec.Template.Spec
	if len(spec.InitContainers) != 1 || !slices.Equal(spec.InitContainers[0].Command, []string{"cp", "/usr/bin/hwgraph", "/hwgraph-bin/hwgraph"}) {
		t.Errorf("init containers %+v", spec.InitContainers)
	}
	c := spec.Containers[0]
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m
	}
	if m := mounts["/usr/bin/hwgraph"]; m.Name != "hwgraph-bin" || m.SubPath != "hwgraph" {
		t.Errorf("hwgraph is not at /usr/bin/hwgraph in NPD's container: %+v", c.VolumeMounts)
	}
	for _, keep := range []string{"/var/log", "/dev/kmsg", "/config", "/hwgraph-config"} {
		if _, ok := mounts[keep]; !ok {
			t.Errorf("NPD's container lacks %s after the patch", keep)
		}
	}
	if !slices.Contains(c.Command, "--config.custom-plugin-monitor=/hwgraph-config/hwgraph-plugin.json") ||
		!slices.Contains(c.Command, "--config.system-log-monitor=/config/kernel-monitor.json,/config/readonly-monitor.json,/config/docker-monitor.json") {
		t.Errorf("NPD's command %v", c.Command)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if env["HWGRAPH_AGENT"].Value != "http://$(HOST_IP):9877" || env["HOST_IP"].ValueFrom == nil || env["NODE_NAME"].ValueFrom == nil {
		t.Errorf("env %+v", c.Env)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(NPDPluginConfigMap, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "hwgraph-npd-plugin" || cm.Data["hwgraph-plugin.json"] != string(NPDPlugin) {
		t.Errorf("the ConfigMap's plugin configuration is not hwgraph-plugin.json's bytes")
	}
}
