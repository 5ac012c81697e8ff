package nodestatus

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/describe"

	"github.com/hwgraph/hwgraph/topology"
)

// TestKubectlDescribeNode: what the agent sends for node_exporter's
// capture, applied to a node as the API server applies it (a strategic
// merge beside the kubelet's Ready), is what `kubectl describe node`
// (kubectl's own describer) shows; the README's excerpt is that output.
func TestKubectlDescribeNode(t *testing.T) {
	local := time.Local
	time.Local = time.UTC // kubectl prints times in the local zone
	defer func() { time.Local = local }()
	t0 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	r, api := running(t, t0)
	g := scanOf(t, "node_exporter/sys.tar.gz")
	at := t0.Add(-6 * time.Minute)
	g.Events = []topology.Event{{Time: at, Kind: "link-degraded", Link: "pci:0000:00:02.1~pci:0000:01:00.0", Severity: topology.SeverityWarning,
		Message: "pcie link x8 of x16", Source: "diff", Count: 3, Last: at.Add(5 * time.Minute)}}
	r.Report(g)
	sent := wait(t, api, 2)

	kubelet := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "7d3c0c5e-0b53-4d0f-9a43-2f1e0f6c1b2a"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
			Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.NewTime(t0), LastTransitionTime: metav1.NewTime(t0.Add(-24 * time.Hour))}}}}
	before, err := json.Marshal(kubelet)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := json.Marshal(sent[0].Body)
	if err != nil {
		t.Fatal(err)
	}
	after, err := strategicpatch.StrategicMergePatch(before, patch, corev1.Node{})
	if err != nil {
		t.Fatalf("the patch does not apply as the API server applies it: %v", err)
	}
	var node corev1.Node
	if err := json.Unmarshal(after, &node); err != nil {
		t.Fatal(err)
	}
	var event corev1.Event
	b, _ := json.Marshal(sent[1].Body)
	if err := json.Unmarshal(b, &event); err != nil {
		t.Fatalf("the event is no core/v1 Event: %v", err)
	}
	event.Name = event.GenerateName + "x7k2p" // the API server names it

	kube := httptest.NewServer(describedNode(t, &node, &event))
	defer kube.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: kube.URL})
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&describe.NodeDescriber{Interface: cs}).Describe("", "node-1", describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	got := section(out, "Conditions:") + section(out, "Events:")
	for _, want := range []string{"HardwareMemoryProblem   True", "MemoryFailing", "hwgraph: dimm:MC0CSROW0CHANNEL0: failed, 2 uncorrected ECC errors",
		"GPUProblem              False", "Ready                   True", "Warning  HardwareLinkDegraded", "(x3 over ", "hwgraph  pci:0000:00:02.1~pci:0000:01:00.0: pcie link x8 of x16 (3 times"} {
		if !strings.Contains(got, want) {
			t.Errorf("kubectl describe node lacks %q:\n%s", want, got)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```\n(Conditions:\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md has no kubectl describe node excerpt; this is it:\n%s", got)
	}
	if ages(string(m[1])) != ages(got) {
		t.Errorf("README.md's excerpt is not kubectl's output; this is:\n%s", got)
	}
}

// describedNode answers kubectl's reads for describe node as an API
// server holding node and event does: the node, no pods, the event for
// the field selector that names it (kubectl asks by the node's UID and
// by its name), nothing else.
func describedNode(t *testing.T, node *corev1.Node, event *corev1.Event) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var answer any
		switch r.URL.Path {
		case "/api/v1/nodes/" + node.Name:
			answer = node
		case "/api/v1/pods":
			answer = corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}}
		case "/api/v1/events":
			sel, err := fields.ParseSelector(r.URL.Query().Get("fieldSelector"))
			if err != nil {
				t.Errorf("kubectl's field selector: %v", err)
			}
			list := corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"}}
			o := event.InvolvedObject
			if sel.Matches(fields.Set{"involvedObject.kind": o.Kind, "involvedObject.name": o.Name, "involvedObject.namespace": o.Namespace, "involvedObject.uid": string(o.UID)}) {
				list.Items = append(list.Items, *event)
			}
			answer = list
		default:
			w.WriteHeader(http.StatusNotFound)
			answer = metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound}
		}
		json.NewEncoder(w).Encode(answer)
	})
}

// section is the part of out from the line that starts it to the next
// line that is not indented.
func section(out, start string) string {
	i := strings.Index(out, "\n"+start+"\n")
	if i < 0 {
		return ""
	}
	s := out[i+1:]
	if k := regexp.MustCompile(`\n[^ \n]`).FindStringIndex(s[len(start):]); k != nil {
		s = s[:len(start)+k[0]+1]
	}
	return s
}

// ages are kubectl's event ages ("5h52m (x3 over 5h58m)"), which run
// on with the clock, made one, and the column's padding with them.
func ages(s string) string {
	s = regexp.MustCompile(`\b(\d+[smhdy])+( \(x\d+ over (\d+[smhdy])+\))?`).ReplaceAllString(strings.TrimSpace(s), "AGE")
	return regexp.MustCompile(` +`).ReplaceAllString(s, " ")
}
