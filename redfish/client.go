// Package redfish reads a BMC's Redfish service (DMTF DSP0266): the
// manager, the systems with their memory and logs, the chassis' power
// supplies, temperatures and fans, and the firmware inventory. It only
// reads: the only requests that are not GETs open and delete its own
// session.
//
// gofish (github.com/stmcginnis/gofish), the field's Go Redfish client,
// was weighed to replace it: the Go module proxy this project builds
// from refuses that module (403, "not available", on 2026-12-07), so it
// can be neither adopted nor compared here. What a replacement must do
// as this package does — every body bounded (maxBody), collections'
// nextLink chains bounded, $expand where the service offers it, retries
// of a busy service, a session opened and deleted — is tested on DMTF's
// mockups beside it.
package redfish

import (
	"bytes"
	"cmp"
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
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody bounds one resource: the largest in DMTF's mockups is tens of
// KiB; a BMC that answers more is broken or hostile.
const maxBody = 8 << 20

// maxPages bounds a collection's @odata.nextLink chain: a loop, or a
// service that pages forever, ends here.
const maxPages = 1000

// DefaultMaxRequests bounds the GETs of one read: a whole read of DMTF's
// largest mockups takes under 150, a large server a few hundred, and a
// broken service whose every answer names more resources would otherwise
// be walked until the deadline, one BMC request after another.
const DefaultMaxRequests = 2000

// ErrTooManyRequests is a read that reached its bound of requests.
var ErrTooManyRequests = errors.New("redfish: the read reached its bound of requests")

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
	// Session logs in through the SessionService (one POST) and sends its
	// token instead of the password with every request, as BMCs prefer;
	// Logout deletes it. A service without sessions is read with basic
	// authentication.
	Session bool
	// MaxRequests bounds the GETs this client sends; 0 is
	// DefaultMaxRequests.
	MaxRequests int

	mu       sync.Mutex
	requests int    // GETs sent
	token    string // the session's X-Auth-Token
	session  string // its resource, to delete
	relogin  bool   // a session was refused once: log in again, once
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

// Login opens a session when Session is set: POST to the
// SessionService's Sessions with the user and password, the one request
// that is not a GET. A service without a SessionService is left to basic
// authentication.
func (c *Client) Login(ctx context.Context) error {
	if !c.Session {
		return nil
	}
	body, _ := json.Marshal(map[string]string{"UserName": c.User, "Password": c.Password})
	resp, err := c.do(ctx, http.MethodPost, "/redfish/v1/SessionService/Sessions", bytes.NewReader(body), false)
	if err != nil {
		return fmt.Errorf("redfish login: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return nil // no sessions here: basic authentication
	case resp.StatusCode/100 != 2 || resp.Header.Get("X-Auth-Token") == "":
		return fmt.Errorf("redfish login: %s", resp.Status)
	}
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil {
		loc = u.RequestURI()
	}
	c.mu.Lock()
	c.token, c.session = resp.Header.Get("X-Auth-Token"), loc
	c.mu.Unlock()
	return nil
}

// Logout deletes the session Login opened, if any.
func (c *Client) Logout(ctx context.Context) error {
	c.mu.Lock()
	session := c.session
	c.mu.Unlock()
	if session == "" {
		return nil
	}
	ctx, cancel := c.requestContext(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodDelete, session, nil, true)
	c.mu.Lock()
	c.token, c.session = "", ""
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("redfish logout: %w", err)
	}
	resp.Body.Close()
	return nil
}

// requestContext bounds one request by Timeout (10 s when unset).
func (c *Client) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, cmp.Or(max(c.Timeout, 0), 10*time.Second))
}

// do sends one request, authenticated by the session's token when there
// is one (and auth is set), else by basic authentication.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, auth bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-Version", "4.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	switch {
	case auth && token != "":
		req.Header.Set("X-Auth-Token", token)
	case auth && c.User != "":
		req.SetBasicAuth(c.User, c.Password)
	}
	return noRedirects(c.HTTP).Do(req)
}

// noRedirects is hc (nil: http.DefaultClient) following no redirect: Go
// would resend a login's body (307) and the X-Auth-Token (it strips only
// Authorization and Cookie) to wherever the service points, another host
// included; a redirect is an answer, and an error.
func noRedirects(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Get reads the resource at path ("/redfish/v1/Managers/BMC") into v. A
// session refused mid-read (it expired) is opened again, once.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	err := c.get(ctx, path, v)
	c.mu.Lock()
	retry := errors.Is(err, ErrUnauthorized) && c.token != "" && !c.relogin
	if retry {
		c.relogin, c.token, c.session = true, "", ""
	}
	c.mu.Unlock()
	if !retry {
		return err
	}
	if lerr := c.Login(ctx); lerr != nil {
		return lerr
	}
	return c.get(ctx, path, v)
}

// retries is how many times a GET is tried again after an answer that
// says the BMC is busy (429, 502, 503, 504): BMCs give those under load
// and answer the same request a moment later. A request that timed out
// is not tried again: a hung BMC must not multiply the wait.
const retries = 2

func (c *Client) get(ctx context.Context, path string, v any) error {
	if !strings.HasPrefix(path, "/redfish/") {
		return fmt.Errorf("redfish: %q is not a Redfish path", path)
	}
	c.mu.Lock()
	c.requests++
	over := c.requests > cmp.Or(c.MaxRequests, DefaultMaxRequests)
	c.mu.Unlock()
	if over {
		return fmt.Errorf("GET %s: %w (%d)", path, ErrTooManyRequests, cmp.Or(c.MaxRequests, DefaultMaxRequests))
	}
	for attempt := 0; ; attempt++ {
		wait, err := c.getOnce(ctx, path, v)
		if wait == 0 || attempt == retries {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait * time.Duration(attempt+1)):
		}
	}
}

// getOnce sends one GET; a busy answer returns how long to wait before
// the next try (its Retry-After, capped, else a quarter second).
func (c *Client) getOnce(ctx context.Context, path string, v any) (time.Duration, error) {
	ctx, cancel := c.requestContext(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodGet, path, nil, true)
	if err != nil {
		return 0, fmt.Errorf("redfish GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return 0, ErrUnauthorized
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		wait := 250 * time.Millisecond
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			wait = min(time.Duration(s)*time.Second, 2*time.Second)
		}
		return wait, fmt.Errorf("redfish GET %s: %s", path, resp.Status)
	default:
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
			return 0, fmt.Errorf("redfish GET %s: %s to %s, not followed", path, resp.Status, loc)
		}
		return 0, fmt.Errorf("redfish GET %s: %s", path, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, fmt.Errorf("redfish GET %s: %w", path, err)
	}
	if len(body) > maxBody {
		return 0, fmt.Errorf("redfish GET %s: larger than %d bytes", path, maxBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return 0, fmt.Errorf("redfish GET %s: %w", path, err)
	}
	return 0, nil
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
	return decodePages[Link](ctx, c, path)
}

// decodePages reads a collection's members, page after page, each
// decoded as a T.
func decodePages[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var out []T
	err := c.pages(ctx, path, func(raw json.RawMessage) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		out = append(out, v)
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
