// Package rfmockup serves a DMTF Redfish mockup (a tree of index.json
// files, one per resource, as DMTF's Redfish-Mockup-Server serves them)
// over HTTP for tests, with basic authentication.
package rfmockup

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// User and Password are what the server accepts.
const (
	User     = "admin"
	Password = "hwgraph-test"
)

// Server is a mockup being served, with the sessions DSP0266 describes:
// POST to the SessionService's Sessions gives a token (X-Auth-Token) and
// the session's resource, which DELETE ends.
type Server struct {
	URL string

	mu       sync.Mutex
	tokens   map[string]string // token → session path
	next     int
	Logins   int // sessions opened
	Logouts  int // sessions deleted
	GETs     int // resources read
	expireIn int // > 0: tokens stop working after this many more GETs
}

// ExpireSessionsAfter makes every session token stop working after n
// more requests (a fault test's session that expires mid-read).
func (s *Server) ExpireSessionsAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireIn = n
}

// Start serves the mockup in dir (the folder holding index.json for
// /redfish/v1) until the test ends; its base URL. wrap, when not nil,
// wraps the handler (a fault test's breakage).
func Start(tb testing.TB, dir string, wrap func(http.Handler) http.Handler) string {
	return StartServer(tb, dir, wrap).URL
}

// StartServer is Start, with the server's session counts.
func StartServer(tb testing.TB, dir string, wrap func(http.Handler) http.Handler) *Server {
	tb.Helper()
	s := &Server{tokens: map[string]string{}}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/redfish/v1/SessionService/Sessions" {
			s.login(w, r)
			return
		}
		// The service root is open to all, as DSP0266 has it: clients
		// such as redfishtool read it before they log in.
		if !(r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/redfish/v1") && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="mockup"`)
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodDelete && s.logout(r) {
			w.WriteHeader(http.StatusNoContent)
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
		s.mu.Lock()
		s.GETs++
		s.mu.Unlock()
		if r.URL.Query().Get("$expand") == ".($levels=1)" {
			b = expandMembers(dir, b)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var creds struct{ UserName, Password string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&creds); err != nil || creds.UserName != User || creds.Password != Password {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.Logins++
	token := fmt.Sprintf("token-%d", s.next)
	path := fmt.Sprintf("/redfish/v1/SessionService/Sessions/%d", s.next)
	s.tokens[token] = path
	w.Header().Set("X-Auth-Token", token)
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"@odata.id":%q,"Id":"%d","UserName":%q}`, path, s.next, creds.UserName)
}

// authorized checks a session's token, else basic authentication.
func (s *Server) authorized(r *http.Request) bool {
	if t := r.Header.Get("X-Auth-Token"); t != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.expireIn > 0 {
			if s.expireIn--; s.expireIn == 0 {
				s.tokens = map[string]string{} // every session expires now
			}
		}
		_, ok := s.tokens[t]
		return ok
	}
	u, p, ok := r.BasicAuth()
	return ok && u == User && p == Password
}

func (s *Server) logout(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, p := range s.tokens {
		if p == r.URL.Path {
			delete(s.tokens, t)
			s.Logouts++
			return true
		}
	}
	return false
}

// expandMembers answers $expand=.($levels=1) for a collection, as the
// mockup's service root says its service does: each member's reference
// replaced by the member itself, read from its own file.
func expandMembers(dir string, b []byte) []byte {
	var coll map[string]any
	if json.Unmarshal(b, &coll) != nil {
		return b
	}
	members, ok := coll["Members"].([]any)
	if !ok {
		return b
	}
	for i, m := range members {
		ref, _ := m.(map[string]any)["@odata.id"].(string)
		rel, ok := strings.CutPrefix(ref, "/redfish/v1")
		if !ok || strings.Contains(rel, "..") {
			continue
		}
		mb, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel), "index.json"))
		var member any
		if err == nil && json.Unmarshal(mb, &member) == nil {
			members[i] = member
		}
	}
	out, err := json.Marshal(coll)
	if err != nil {
		return b
	}
	return out
}
