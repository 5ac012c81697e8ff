// Package rfmockup serves a DMTF Redfish mockup (a tree of index.json
// files, one per resource, as DMTF's Redfish-Mockup-Server serves them)
// over HTTP for tests, with basic authentication.
package rfmockup

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// User and Password are what the server accepts.
const (
	User     = "admin"
	Password = "hwgraph-test"
)

// Start serves the mockup in dir (the folder holding index.json for
// /redfish/v1) until the test ends; its base URL. wrap, when not nil,
// wraps the handler (a fault test's breakage).
func Start(tb testing.TB, dir string, wrap func(http.Handler) http.Handler) string {
	tb.Helper()
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != User || p != Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="mockup"`)
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet {
			http.Error(w, "read-only mockup", http.StatusMethodNotAllowed)
			return
		}
		rel, ok := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/redfish/v1")
		if !ok || strings.Contains(rel, "..") {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel), "index.json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}
