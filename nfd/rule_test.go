package nfd

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/nodefeaturerule"
	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
)

// TestNodeFeatureRule: deploy/hwgraph-nfd-rule.yaml decodes strictly into
// NFD's NodeFeatureRule, and NFD's own rule engine, fed the labels
// hwgraph writes for two real machines as NFD's local.label feature,
// taints the one whose health is failed (node_exporter's capture: an
// uncorrected DIMM error) and not the healthy one.
func TestNodeFeatureRule(t *testing.T) {
	b, err := os.ReadFile("../deploy/hwgraph-nfd-rule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rule v1alpha1.NodeFeatureRule
	if err := yaml.UnmarshalStrict(b, &rule); err != nil {
		t.Fatalf("not a NodeFeatureRule: %v", err)
	}
	if rule.Kind != "NodeFeatureRule" || rule.APIVersion != "nfd.k8s-sigs.io/v1alpha1" || len(rule.Spec.Rules) != 1 {
		t.Fatalf("rule %+v", rule)
	}
	for _, tc := range []struct {
		capture, health string
		tainted         bool
	}{
		{"node_exporter/sys.tar.gz", "failed", true},
		{"hwloc/40intel64-2g2n4c+pcilocality.tar.bz2", "ok", false},
	} {
		g := collectors.New(collectors.Options{}).Scan(context.Background(), collectors.Env{Root: fixture.Root(t, tc.capture)}, nil)
		labels := Labels(g)
		if labels[Prefix+"hwgraph.health"] != tc.health {
			t.Fatalf("%s: health %q, want %q", tc.capture, labels[Prefix+"hwgraph.health"], tc.health)
		}
		features := v1alpha1.NewFeatures()
		features.Attributes["local.label"] = v1alpha1.NewAttributeFeatures(labels)
		out, err := nodefeaturerule.Execute(&rule.Spec.Rules[0], features, true)
		if err != nil {
			t.Fatalf("%s: %v", tc.capture, err)
		}
		want := []corev1.Taint(nil)
		if tc.tainted {
			want = []corev1.Taint{{Key: "feature.node.kubernetes.io/hwgraph-failed", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
		}
		if len(out.Taints) != len(want) || (len(want) > 0 && out.Taints[0] != want[0]) {
			t.Errorf("%s: taints %+v, want %+v", tc.capture, out.Taints, want)
		}
	}
}
