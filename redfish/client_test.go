package redfish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/rfmockup"
)

// TestGetRetriesABusyBMC: a BMC that answers 503 (with and without
// Retry-After) or 429 a few times, in front of DMTF's public-rackmount1
// mockup, is asked again, at most twice; one that stays busy is an error
// after three tries, and one that hangs is not asked again.
func TestGetRetriesABusyBMC(t *testing.T) {
	dir := filepath.Join(fixture.Unpack(t, "redfish/public-rackmount1.tar.gz"), "public-rackmount1")
	for _, tc := range []struct {
		name       string
		busy       int // answers before the real one
		status     int
		retryAfter string
		wantErr    bool
		wantTries  int32
	}{
		{"503 once", 1, http.StatusServiceUnavailable, "", false, 2},
		{"429 twice, Retry-After 1", 2, http.StatusTooManyRequests, "1", false, 3},
		{"503 for good", 100, http.StatusServiceUnavailable, "", true, 3},
		{"404 is not busy", 100, http.StatusNotFound, "", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tries atomic.Int32
			url := rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/redfish/v1/Managers/BMC" && tries.Add(1) <= int32(tc.busy) {
						w.Header().Set("Retry-After", tc.retryAfter)
						w.WriteHeader(tc.status)
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			c := &Client{Base: url, User: rfmockup.User, Password: rfmockup.Password}
			var m Manager
			err := c.Get(context.Background(), "/redfish/v1/Managers/BMC", &m)
			if (err != nil) != tc.wantErr || tries.Load() != tc.wantTries {
				t.Errorf("error %v after %d tries; want error %v after %d", err, tries.Load(), tc.wantErr, tc.wantTries)
			}
			if !tc.wantErr && m.FirmwareVersion == "" {
				t.Errorf("manager %+v: not read", m)
			}
		})
	}
	t.Run("hung", func(t *testing.T) {
		var tries atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tries.Add(1)
			<-r.Context().Done()
		}))
		defer srv.Close()
		c := &Client{Base: srv.URL, Timeout: 100 * time.Millisecond}
		err := c.Get(context.Background(), "/redfish/v1", &struct{}{})
		if !errors.Is(err, context.DeadlineExceeded) || tries.Load() != 1 {
			t.Errorf("error %v after %d tries; want a deadline after 1", err, tries.Load())
		}
	})
}

// TestReadStopsAtItsBound: a service whose every answer names more
// resources (the same collection at every path, as FuzzRead's inputs
// can) is read to the client's bound of requests and no further, with the
// reason among the problems.
func TestReadStopsAtItsBound(t *testing.T) {
	var members []string
	for i := range 60 {
		members = append(members, fmt.Sprintf(`{"@odata.id":"/redfish/v1/x%d"}`, i))
	}
	// 60 systems, each with 60 DIMMs and 60 processors: 7,000 requests
	// unbounded.
	body := fmt.Sprintf(`{"Systems":{"@odata.id":"/redfish/v1/S"},"Members":[%s],"Memory":{"@odata.id":"/redfish/v1/M"},"Processors":{"@odata.id":"/redfish/v1/P"}}`,
		strings.Join(members, ","))
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	inv, err := Read(context.Background(), &Client{Base: srv.URL, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if gets.Load() > 50 || len(inv.Problems) == 0 || !errors.Is(inv.Problems[len(inv.Problems)-1], ErrTooManyRequests) {
		t.Errorf("%d requests, problems %v", gets.Load(), inv.Problems)
	}
}

// TestRedirectsCarryNoCredentials is the fault found by probing: a 307
// on login replayed the password to another host, and a 302 on a GET
// forwarded the session's X-Auth-Token (Go strips only Authorization and
// Cookie). In front of DMTF's public-rackmount1 mockup, a service that
// redirects its login, a GET with a session and a GET with basic
// authentication, to another host or its own, is not followed: the other
// host hears nothing, and the error says what was not followed.
func TestRedirectsCarryNoCredentials(t *testing.T) {
	dir := filepath.Join(fixture.Unpack(t, "redfish/public-rackmount1.tar.gz"), "public-rackmount1")
	var heard atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { heard.Add(1) }))
	defer other.Close()
	for _, tc := range []struct {
		name    string
		session bool
		method  string
		status  int
		to      string // "" is the service's own host
	}{
		{"login 307 to another host", true, http.MethodPost, http.StatusTemporaryRedirect, other.URL},
		{"login 308 to its own host", true, http.MethodPost, http.StatusPermanentRedirect, ""},
		{"GET with a token, 302 to another host", true, http.MethodGet, http.StatusFound, other.URL},
		{"GET with basic auth, 301 to another host", false, http.MethodGet, http.StatusMovedPermanently, other.URL},
		{"GET with basic auth, 302 to its own host", false, http.MethodGet, http.StatusFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			heard.Store(0)
			var own atomic.Int32 // requests to the redirect's target on the service itself
			url := rfmockup.Start(t, dir, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == "/elsewhere":
						own.Add(1)
					case r.Method == tc.method && (r.Method == http.MethodPost || r.URL.Path == "/redfish/v1/Managers/BMC"):
						http.Redirect(w, r, tc.to+"/elsewhere", tc.status)
					default:
						h.ServeHTTP(w, r)
					}
				})
			})
			c := &Client{Base: url, User: rfmockup.User, Password: rfmockup.Password, Session: tc.session}
			err := c.Login(context.Background())
			if err == nil {
				err = c.Get(context.Background(), "/redfish/v1/Managers/BMC", &Manager{})
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprint(tc.status)) {
				t.Errorf("error %v, want one naming %d", err, tc.status)
			}
			if heard.Load() != 0 || own.Load() != 0 {
				t.Errorf("the redirect was followed: %d requests to the other host, %d to the service's own", heard.Load(), own.Load())
			}
		})
	}
}
