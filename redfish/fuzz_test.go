package redfish

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzRead: a service answering anything at all (the same bytes at every
// path, so references lead back into the fuzzed answer) never panics Read
// and never makes it loop: it ends with an inventory or an error.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`{"Managers":{"@odata.id":"/redfish/v1/Managers"},"Members":[{"@odata.id":"/redfish/v1/Managers/BMC"}],"FirmwareVersion":"1.0"}`,
		`{"Systems":{"@odata.id":"/redfish/v1"},"Members@odata.nextLink":"/redfish/v1","Memory":{"@odata.id":"/redfish/v1"}}`,
		`{"Chassis":{"@odata.id":"/redfish/v1/C"},"Members":[{"@odata.id":"/x"}],"Power":{"@odata.id":"/redfish/v1/P"},"PowerSupplies":[{"MemberId":"0"}]}`,
		`{`, `null`, `[]`, `{"Members":"no"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		inv, err := Read(ctx, &Client{Base: srv.URL, HTTP: srv.Client()})
		if err == nil && inv == nil {
			t.Fatal("no inventory and no error")
		}
	})
}
