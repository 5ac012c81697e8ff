package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/hwgraph/hwgraph/internal/sysfsattr"
)

// kubeconfig is the part of a kubeconfig file discovery needs: the
// current context's server and credentials (token or client certificate).
type kubeconfig struct {
	CurrentContext string `json:"current-context"`
	Contexts       []struct {
		Name    string
		Context struct{ Cluster, User string }
	}
	Clusters []struct {
		Name    string
		Cluster struct {
			Server                   string
			CertificateAuthorityData string `json:"certificate-authority-data"`
			CertificateAuthority     string `json:"certificate-authority"`
			InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
		}
	}
	Users []struct {
		Name string
		User struct {
			Token                 string
			ClientCertificateData string `json:"client-certificate-data"`
			ClientKeyData         string `json:"client-key-data"`
		}
	}
}

// podList is the part of the API's PodList (core/v1) discovery reads;
// k8s.io/api's types would link, and initialise at every start of the
// one-shot CLI, a dozen packages for four fields.
type podList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			NodeName string `json:"nodeName"`
		} `json:"spec"`
		Status struct {
			Phase string `json:"phase"`
			PodIP string `json:"podIP"`
		} `json:"status"`
	} `json:"items"`
}

// Kubernetes finds the agents as the pods of the hwgraph DaemonSet,
// through the API server a kubeconfig names (client-go would be a
// dependency larger than all of hwgraph for one GET). Each agent is named
// by its node, as the ServiceMonitor names it in Prometheus.
type Kubernetes struct {
	Kubeconfig string
	Namespace  string // default "hwgraph"
	Selector   string // default "app.kubernetes.io/name=hwgraph"
	Port       int    // default 9877
}

// Targets lists the running agent pods.
func (k Kubernetes) Targets(ctx context.Context) ([]Target, error) {
	client, server, token, err := k.Client()
	if err != nil {
		return nil, err
	}
	ns, sel, port := k.Namespace, k.Selector, k.Port
	if ns == "" {
		ns = "hwgraph"
	}
	if sel == "" {
		sel = "app.kubernetes.io/name=hwgraph"
	}
	if port == 0 {
		port = 9877
	}
	u := fmt.Sprintf("%s/api/v1/namespaces/%s/pods?labelSelector=%s", strings.TrimSuffix(server, "/"), url.PathEscape(ns), url.QueryEscape(sel))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kubernetes pods: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("kubernetes pods: %s", resp.Status)
	}
	var pods podList
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAPIAnswer)).Decode(&pods); err != nil {
		return nil, fmt.Errorf("kubernetes pods: %w", err)
	}
	var out []Target
	for _, p := range pods.Items {
		if p.Status.Phase != "Running" || p.Status.PodIP == "" {
			continue
		}
		name := p.Spec.NodeName
		if name == "" {
			name = p.Metadata.Name
		}
		out = append(out, Target{Name: name, URL: "http://" + net.JoinHostPort(p.Status.PodIP, strconv.Itoa(port))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// InCluster is the Kubeconfig value that means "the pod's own service
// account": its token and CA, and the API server's in-cluster address.
const InCluster = "in-cluster"

const serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount"

// Client is an HTTP client for the kubeconfig's current context, the API
// server's address and the bearer token ("" with a client certificate).
func (k Kubernetes) Client() (*http.Client, string, string, error) {
	if k.Kubeconfig == InCluster {
		token, err := sysfsattr.ReadFile(serviceAccount+"/token", maxSmallFile)
		if err != nil {
			return nil, "", "", fmt.Errorf("in-cluster service account: %w", err)
		}
		ca, err := sysfsattr.ReadFile(serviceAccount+"/ca.crt", maxSmallFile)
		if err != nil {
			return nil, "", "", fmt.Errorf("in-cluster service account: %w", err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" {
			host, port = "kubernetes.default.svc", "443"
		}
		tr := &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}}
		return &http.Client{Timeout: 10 * time.Second, Transport: tr}, "https://" + net.JoinHostPort(host, port), strings.TrimSpace(string(token)), nil
	}
	data, err := sysfsattr.ReadFile(k.Kubeconfig, maxSmallFile)
	if err != nil {
		return nil, "", "", fmt.Errorf("kubeconfig: %w", err)
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, "", "", fmt.Errorf("kubeconfig %s: %w", k.Kubeconfig, err)
	}
	var clusterName, userName string
	for _, c := range kc.Contexts {
		if c.Name == kc.CurrentContext || (kc.CurrentContext == "" && len(kc.Contexts) == 1) {
			clusterName, userName = c.Context.Cluster, c.Context.User
		}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	server := ""
	for _, c := range kc.Clusters {
		if c.Name != clusterName {
			continue
		}
		server = c.Cluster.Server
		tlsConf.InsecureSkipVerify = c.Cluster.InsecureSkipTLSVerify
		ca := []byte(nil)
		if c.Cluster.CertificateAuthorityData != "" {
			if ca, err = base64.StdEncoding.DecodeString(c.Cluster.CertificateAuthorityData); err != nil {
				return nil, "", "", fmt.Errorf("kubeconfig: certificate-authority-data: %w", err)
			}
		} else if c.Cluster.CertificateAuthority != "" {
			if ca, err = sysfsattr.ReadFile(c.Cluster.CertificateAuthority, maxSmallFile); err != nil {
				return nil, "", "", fmt.Errorf("kubeconfig: %w", err)
			}
		}
		if ca != nil {
			tlsConf.RootCAs = x509.NewCertPool()
			if !tlsConf.RootCAs.AppendCertsFromPEM(ca) {
				return nil, "", "", fmt.Errorf("kubeconfig: no certificate in the cluster's authority")
			}
		}
	}
	if server == "" {
		return nil, "", "", fmt.Errorf("kubeconfig %s: no cluster for context %q", k.Kubeconfig, kc.CurrentContext)
	}
	token := ""
	for _, u := range kc.Users {
		if u.Name != userName {
			continue
		}
		token = u.User.Token
		if u.User.ClientCertificateData != "" {
			cert, err1 := base64.StdEncoding.DecodeString(u.User.ClientCertificateData)
			key, err2 := base64.StdEncoding.DecodeString(u.User.ClientKeyData)
			pair, err3 := tls.X509KeyPair(cert, key)
			if err1 != nil || err2 != nil || err3 != nil {
				return nil, "", "", fmt.Errorf("kubeconfig: client certificate: %v %v %v", err1, err2, err3)
			}
			tlsConf.Certificates = []tls.Certificate{pair}
		}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}, server, token, nil
}

// maxSmallFile bounds a kubeconfig, a token or a certificate read from a
// path the user gave: /dev/zero must not be read forever.
const maxSmallFile = 16 << 20
