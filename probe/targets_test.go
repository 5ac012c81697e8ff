package probe

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestAllowList(t *testing.T) {
	l := allow(t, "10.20.0.0/16", "fd00::/8", "bmc-*.dc1.example.org", "127.0.0.1:9001", "[::1]:623")
	for _, tc := range []struct {
		target string
		want   bool
	}{
		{"10.20.3.4", true},
		{"10.20.3.4:623", true},
		{"10.21.0.1", false},
		{"[fd00::1]:623", true},
		{"fe80::1", false},
		{"bmc-7.dc1.example.org", true},
		{"BMC-7.DC1.example.org:623", true},
		{"bmc-7.dc2.example.org", false},
		{"evil.org/bmc-7.dc1.example.org", false}, // path.Match's * stops at /
		{"127.0.0.1:9001", true},
		{"127.0.0.1:9002", false},
		{"127.0.0.1", false},
		{"[::1]:623", true},
		{"::1", false},
		// A name is not resolved to meet a CIDR.
		{"localhost", false},
	} {
		if got := l.allows(tc.target); got != tc.want {
			t.Errorf("allows(%q) = %v, want %v", tc.target, got, tc.want)
		}
	}
}

// TestProbeSendsNoCredentialsOffList: whoever can reach /probe asks it
// to probe a listener of theirs that is not among the module's targets;
// they get 403, and the listener hears nothing: no connection, so no
// credential, reaches it. The real read path runs (IPMI and Redfish).
func TestProbeSendsNoCredentialsOffList(t *testing.T) {
	heard := make(chan string, 4)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heard <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Authorization")
	}))
	defer attacker.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	go func() {
		b := make([]byte, 512)
		if n, _, err := udp.ReadFrom(b); err == nil {
			heard <- "ipmi " + string(b[:n])
		}
	}()
	cfg := &Config{Modules: map[string]Module{
		"default": {User: "admin", Password: "s3cret", Timeout: model.Duration(time.Second), allowed: allow(t, "10.0.0.0/8")},
		"rf":      {Protocol: "redfish+http", User: "admin", Password: "s3cret", Timeout: model.Duration(time.Second), allowed: allow(t, "bmc-*.lab")},
	}}
	h := NewHandler(cfg, 2, nil)
	for _, url := range []string{
		"/probe?target=" + udp.LocalAddr().String(),
		"/probe?module=rf&target=" + strings.TrimPrefix(attacker.URL, "http://"),
	} {
		if code, body := get(t, h, url); code != http.StatusForbidden {
			t.Errorf("%s: %d %q, want 403", url, code, body)
		}
	}
	select {
	case got := <-heard:
		t.Errorf("the attacker heard %q", got)
	case <-time.After(200 * time.Millisecond):
	}
}
