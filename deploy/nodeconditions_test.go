package deploy

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/nodestatus"
)

// TestNodeConditionsRBAC: the ClusterRole grants exactly what the
// reporter calls (nodestatus.Permissions), bound to the agent's service
// account; the patch gives the agent its token, its node's name from the
// downward API and the flag, and keeps its other arguments.
func TestNodeConditionsRBAC(t *testing.T) {
	var role rbacv1.ClusterRole
	var binding rbacv1.ClusterRoleBinding
	for _, d := range bytes.Split(NodeConditionsRBAC, []byte("\n---\n")) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(d, &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "ClusterRole":
			if err := yaml.UnmarshalStrict(d, &role); err != nil {
				t.Fatal(err)
			}
		case "ClusterRoleBinding":
			if err := yaml.UnmarshalStrict(d, &binding); err != nil {
				t.Fatal(err)
			}
		}
	}
	var granted []nodestatus.Permission
	for _, r := range role.Rules {
		if !slices.Equal(r.APIGroups, []string{""}) {
			t.Errorf("rule %+v: not the core group", r)
		}
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				granted = append(granted, nodestatus.Permission{Resource: res, Verb: v})
			}
		}
	}
	if !slices.Equal(granted, nodestatus.Permissions) {
		t.Errorf("the ClusterRole grants %v, the reporter calls %v", granted, nodestatus.Permissions)
	}
	if binding.RoleRef.Name != role.Name || len(binding.Subjects) != 1 || binding.Subjects[0].Name != "hwgraph-agent" || binding.Subjects[0].Namespace != "hwgraph" {
		t.Errorf("binding %+v", binding)
	}
	ds := patched(t, NodeConditionsPatch)
	spec := ds.Spec.Template.Spec
	c := spec.Containers[0]
	if spec.AutomountServiceAccountToken == nil || !*spec.AutomountServiceAccountToken || !slices.Contains(c.Args, "--kubernetes.node-conditions") ||
		!slices.Contains(c.Args, "--host-root=/host") || len(c.VolumeMounts) != 4 {
		t.Errorf("patched agent: token %v, args %v, mounts %d", spec.AutomountServiceAccountToken, c.Args, len(c.VolumeMounts))
	}
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "NODE_NAME" })
	if i < 0 || c.Env[i].ValueFrom == nil || c.Env[i].ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
		t.Errorf("env %+v", c.Env)
	}
	// The agent's own args are restated: none dropped.
	orig := patched(t, []byte("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: hwgraph-agent}\n")).Spec.Template.Spec.Containers[0].Args
	for _, a := range orig {
		if !slices.Contains(c.Args, a) && !strings.HasPrefix(a, "#") {
			t.Errorf("the patch drops the agent's %s", a)
		}
	}
}
