// Package redfish reads a BMC's Redfish service (DMTF DSP0266): the
// manager, the systems with their memory, the chassis' power supplies,
// temperatures and fans, and the firmware inventory. It only reads: the
// one request that is not a GET is none, since it authenticates each
// request with HTTP basic authentication over TLS.
package redfish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// maxBody bounds one resource: the largest in DMTF's mockups is tens of
// KiB; a BMC that answers more is broken or hostile.
const maxBody = 8 << 20

// maxPages bounds a collection's @odata.nextLink chain: a loop, or a
// service that pages forever, ends here.
const maxPages = 1000

// Client reads one Redfish service.
type Client struct {
	// Base is the service's scheme and host: https://bmc.example.org.
	Base string
	User string
	// Password comes from a file or the environment, never argv.
	Password string
	// HTTP is the client requests go through; its TLS settings are the
	// caller's (a CA file, or the system pool; never unverified unless
	// asked). nil is http.DefaultClient.
	HTTP *http.Client
	// Timeout bounds each request; 0 is 10 s.
	Timeout time.Duration
}

// HTTPClient is an HTTP client for a Redfish service over TLS: the
// service's certificate checked against the CAs of caFile (PEM), or the
// system's when caFile is ""; not checked at all only when insecure (a
// lab BMC's self-signed certificate), which the caller must be asked for.
func HTTPClient(caFile string, insecure bool) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificate in it", caFile)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// ErrUnauthorized is a service that refused the credentials.
var ErrUnauthorized = errors.New("redfish: the credentials were refused (401)")

// Get reads the resource at path ("/redfish/v1/Managers/BMC") into v.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	if !strings.HasPrefix(path, "/redfish/") {
		return fmt.Errorf("redfish: %q is not a Redfish path", path)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.Base, "/")+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-Version", "4.0")
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("redfish GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("redfish GET %s: %s", path, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("redfish GET %s: %w", path, err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("redfish GET %s: larger than %d bytes", path, maxBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("redfish GET %s: %w", path, err)
	}
	return nil
}

// Link is a reference to another resource.
type Link struct {
	ID string `json:"@odata.id"`
}

// collection is one page of a resource collection.
type collection struct {
	Members []json.RawMessage `json:"Members"`
	Count   *int              `json:"Members@odata.count"`
	// A service names the next page as the spec does (Members@…), or
	// as OData does (DMTF's own mockups).
	NextLink      string `json:"Members@odata.nextLink"`
	ODataNextLink string `json:"@odata.nextLink"`
}

// Members lists a collection's members as references.
func (c *Client) Members(ctx context.Context, path string) ([]Link, error) {
	var out []Link
	err := c.pages(ctx, path, func(raw json.RawMessage) error {
		var l Link
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// pages reads a collection's members, page after page: until a page
// names no next one, the members counted are all there, a page repeats,
// or maxPages. A member seen on an earlier page is skipped.
func (c *Client) pages(ctx context.Context, path string, member func(json.RawMessage) error) error {
	seen, got := map[string]bool{}, map[string]bool{}
	n := 0
	for page := 0; path != ""; page++ {
		if seen[path] || page >= maxPages {
			return fmt.Errorf("redfish %s: the collection's pages loop or do not end", path)
		}
		seen[path] = true
		var coll collection
		if err := c.Get(ctx, path, &coll); err != nil {
			return err
		}
		for _, raw := range coll.Members {
			var id Link
			if json.Unmarshal(raw, &id) == nil && id.ID != "" {
				if got[id.ID] {
					continue
				}
				got[id.ID] = true
			}
			if err := member(raw); err != nil {
				return fmt.Errorf("redfish %s: a member: %w", path, err)
			}
			n++
		}
		next := coll.NextLink
		if next == "" {
			next = coll.ODataNextLink
		}
		if next == "" || coll.Count != nil && n >= *coll.Count {
			return nil
		}
		u, err := url.Parse(next)
		if err != nil {
			return fmt.Errorf("redfish nextLink %q: %w", next, err)
		}
		path = u.RequestURI()
	}
	return nil
}
