package cluster

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKubernetesTargets: no cluster runs here, so an httptest TLS server
// stands in for the API server (a fake, said so): it checks the bearer
// token and label selector a kubeconfig yields and answers a PodList in
// the API's own types. Running pods become targets named by their node;
// a pending one is left out.
func TestKubernetesTargets(t *testing.T) {
	pods := corev1.PodList{Items: []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "hwgraph-agent-abcde"}, Spec: corev1.PodSpec{NodeName: "gpu-node-07"},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.7"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hwgraph-agent-fghij"}, Spec: corev1.PodSpec{NodeName: "gpu-node-03"},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.3"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hwgraph-agent-klmno"}, Spec: corev1.PodSpec{NodeName: "new-node"},
			Status: corev1.PodStatus{Phase: corev1.PodPending}},
	}}
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sekrit" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/api/v1/namespaces/hwgraph/pods" || r.URL.Query().Get("labelSelector") != "app.kubernetes.io/name=hwgraph" {
			http.Error(w, "not found: "+r.URL.String(), http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(pods)
	}))
	defer api.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: c1, user: u1}
clusters:
- name: c1
  cluster: {server: %q, certificate-authority-data: %s}
users:
- name: u1
  user: {token: sekrit}
`, api.URL, base64.StdEncoding.EncodeToString(ca))
	path := filepath.Join(t.TempDir(), "kubeconfig")
	os.WriteFile(path, []byte(kc), 0o600)
	got, err := Kubernetes{Kubeconfig: path}.Targets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Name: "gpu-node-03", URL: "http://10.0.0.3:9877"}, {Name: "gpu-node-07", URL: "http://10.0.0.7:9877"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	// A wrong token is the API server's 401, reported.
	os.WriteFile(path, []byte(kc[:len(kc)-len("sekrit}\n")]+"nope}\n"), 0o600)
	if _, err := (Kubernetes{Kubeconfig: path}).Targets(context.Background()); err == nil {
		t.Error("a refused token gave no error")
	}
}
