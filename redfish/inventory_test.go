package redfish

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/internal/testkit/rfmockup"
)

// TestReadExpands: DMTF's public-rackmount1 says its service expands
// collections ($expand=.($levels=1)); read so, the inventory equals the
// one read member by member from the same mockup with that claim taken
// out of its service root (an edited copy of the answer), in fewer
// requests.
func TestReadExpands(t *testing.T) {
	dir := filepath.Join(fixture.Unpack(t, "redfish/public-rackmount1.tar.gz"), "public-rackmount1")
	read := func(noExpand bool) (*Inventory, int) {
		srv := rfmockup.StartServer(t, dir, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !noExpand || r.URL.Path != "/redfish/v1" && r.URL.Path != "/redfish/v1/" {
					h.ServeHTTP(w, r)
					return
				}
				var root map[string]any
				var b []byte
				if raw, err := os.ReadFile(filepath.Join(dir, "index.json")); err == nil && json.Unmarshal(raw, &root) == nil {
					delete(root, "ProtocolFeaturesSupported")
					b, _ = json.Marshal(root)
				}
				w.Write(b)
			})
		})
		inv, err := Read(context.Background(), &Client{Base: srv.URL, User: rfmockup.User, Password: rfmockup.Password, Session: true})
		if err != nil || len(inv.Problems) > 0 {
			t.Fatalf("read (expand %v): %v %v", !noExpand, err, inv.Problems)
		}
		return inv, srv.GETs
	}
	expanded, few := read(false)
	single, many := read(true)
	if !reflect.DeepEqual(expanded, single) {
		t.Errorf("expanded read differs:\n%+v\n%+v", expanded, single)
	}
	if len(expanded.Systems) != 1 || len(expanded.Systems[0].Memory) < 2 || len(expanded.Firmware) < 2 {
		t.Errorf("read too little: %+v", expanded)
	}
	if few >= many {
		t.Errorf("%d requests expanded, %d one by one", few, many)
	}
	t.Logf("%d requests expanded, %d one by one", few, many)
}
