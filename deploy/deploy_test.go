package deploy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// docs splits the multi-document YAML.
func docs(t *testing.T) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(Manifests, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// TestManifestsDecodeStrictly: every object decodes into its Kubernetes
// API type with no unknown field (a typo in a field name fails here, not
// at kubectl apply), and the agent runs with the least privileges the
// README promises.
func TestManifestsDecodeStrictly(t *testing.T) {
	kinds := map[string]int{}
	for _, d := range docs(t) {
		var meta struct{ Kind, APIVersion string }
		if err := yaml.Unmarshal(d, &meta); err != nil {
			t.Fatal(err)
		}
		kinds[meta.Kind]++
		var obj any
		switch meta.Kind {
		case "Namespace":
			obj = &corev1.Namespace{}
		case "ServiceAccount":
			obj = &corev1.ServiceAccount{}
		case "Service":
			obj = &corev1.Service{}
		case "DaemonSet":
			obj = &appsv1.DaemonSet{}
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Role":
			obj = &rbacv1.Role{}
		case "RoleBinding":
			obj = &rbacv1.RoleBinding{}
		case "ServiceMonitor":
			// The Prometheus Operator's type is not in k8s.io/api: check
			// the fields it needs.
			var sm struct {
				Spec struct {
					Selector  struct{ MatchLabels map[string]string } `json:"selector"`
					Endpoints []struct{ Port string }                 `json:"endpoints"`
				}
			}
			if err := yaml.Unmarshal(d, &sm); err != nil || meta.APIVersion != "monitoring.coreos.com/v1" ||
				len(sm.Spec.Selector.MatchLabels) == 0 || len(sm.Spec.Endpoints) == 0 || sm.Spec.Endpoints[0].Port != "metrics" {
				t.Errorf("ServiceMonitor: %v %+v", err, sm)
			}
			continue
		default:
			t.Errorf("unexpected kind %q", meta.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict(d, obj); err != nil {
			t.Errorf("%s: %v", meta.Kind, err)
		}
		if ds, ok := obj.(*appsv1.DaemonSet); ok {
			checkAgent(t, ds)
		}
		if r, ok := obj.(*rbacv1.Role); ok {
			// The fleet view may read pods, nothing else.
			if len(r.Rules) != 1 || fmt.Sprint(r.Rules[0].Resources) != "[pods]" || fmt.Sprint(r.Rules[0].Verbs) != "[get list]" {
				t.Errorf("the fleet view's role grants more than reading pods: %+v", r.Rules)
			}
		}
	}
	for k, n := range map[string]int{"Namespace": 1, "ServiceAccount": 2, "DaemonSet": 1, "Service": 1, "ServiceMonitor": 1,
		"Role": 1, "RoleBinding": 1, "Deployment": 1} {
		if kinds[k] != n {
			t.Errorf("%d %s objects, want %d", kinds[k], k, n)
		}
	}
}

func checkAgent(t *testing.T, ds *appsv1.DaemonSet) {
	spec := ds.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
		t.Errorf("agent security context is not least-privilege: %+v", sc)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("the agent mounts a service account token it does not need")
	}
	sel := ds.Spec.Selector.MatchLabels
	for k, v := range sel {
		if ds.Spec.Template.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod template", k, v)
		}
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"serve", "--state-dir=/var/lib/hwgraph", "--nfd-features-file=/etc/kubernetes/node-feature-discovery/features.d/hwgraph"} {
		if !strings.Contains(args, want) {
			t.Errorf("agent args lack %q: %s", want, args)
		}
	}
	mounted := map[string]bool{}
	for _, m := range c.VolumeMounts {
		mounted[m.MountPath] = true
	}
	for _, p := range []string{"/var/lib/hwgraph", "/etc/kubernetes/node-feature-discovery/features.d"} {
		if !mounted[p] {
			t.Errorf("%s is not mounted, but the args write there", p)
		}
	}
}
