// Package redfish reads a BMC's Redfish service (DMTF DSP0266): the
// manager, the systems with their memory, the chassis' power supplies,
// temperatures and fans, and the firmware inventory. It only reads: the
// one request that is not a GET is none, since it authenticates each
// request with HTTP basic authentication over TLS.
package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	Members  []Link `json:"Members"`
	NextLink string `json:"Members@odata.nextLink"`
}

// Members lists a collection's members, following @odata.nextLink, at
// most maxPages pages and never a page twice.
func (c *Client) Members(ctx context.Context, path string) ([]Link, error) {
	var out []Link
	seen := map[string]bool{}
	for page := 0; path != ""; page++ {
		if seen[path] || page >= maxPages {
			return out, fmt.Errorf("redfish %s: the collection's pages loop or do not end", path)
		}
		seen[path] = true
		var coll collection
		if err := c.Get(ctx, path, &coll); err != nil {
			return out, err
		}
		out = append(out, coll.Members...)
		path = ""
		if coll.NextLink != "" {
			u, err := url.Parse(coll.NextLink)
			if err != nil {
				return out, fmt.Errorf("redfish nextLink %q: %w", coll.NextLink, err)
			}
			path = u.RequestURI()
		}
	}
	return out, nil
}
