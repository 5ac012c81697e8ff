package exporter

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/exporter-toolkit/web"
	"golang.org/x/crypto/bcrypt"

	"github.com/hwgraph/hwgraph/capture"
	"github.com/hwgraph/hwgraph/collectors"
	"github.com/hwgraph/hwgraph/internal/testkit/fixture"
	"github.com/hwgraph/hwgraph/scan"
	"github.com/hwgraph/hwgraph/topology"
)

// listen serves h on a loopback port with NewServer's timeouts, and no
// limit on requests at once (the load tests run more).
func listen(t *testing.T, h http.Handler, tweak func(*http.Server)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, 0)
	if tweak != nil {
		tweak(srv)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func rssKiB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return 0
}

// TestLoadConcurrentScrapes: 100 clients scrape the 137-function capture
// without pause (HWGRAPH_LOAD_SECONDS, default 3; tools/bench/run.sh runs 60).
// No scrape fails, and goroutines and memory do not grow with time. The
// latencies and RSS are logged, not asserted: speed is the benchmark's.
func TestLoadConcurrentScrapes(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2")}}}
	s.Scan(context.Background())
	url := listen(t, Handler(s), nil) + "/metrics"
	secs := 3
	if v, err := strconv.Atoi(os.Getenv("HWGRAPH_LOAD_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}, Timeout: 10 * time.Second}
	run := func(d time.Duration) (lat []time.Duration, fails int64) {
		var mu sync.Mutex
		var failed atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(d)
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for time.Now().Before(stop) {
					t0 := time.Now()
					resp, err := client.Get(url)
					if err != nil {
						failed.Add(1)
						continue
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || n < 100000 {
						failed.Add(1)
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return lat, failed.Load()
	}
	run(time.Second) // warm up: connections, caches
	g0, rss0 := runtime.NumGoroutine(), rssKiB()
	lat, fails := run(time.Duration(secs) * time.Second)
	client.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	g1, rss1 := runtime.NumGoroutine(), rssKiB()
	if fails > 0 {
		t.Errorf("%d of %d scrapes failed", fails, len(lat))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(float64(len(lat)-1)*q)] }
	t.Logf("%d scrapes in %ds by 100 clients: p50 %v, p99 %v; RSS %d → %d KiB; goroutines %d → %d",
		len(lat), secs, p(0.5), p(0.99), rss0, rss1, g0, g1)
	if g1 > g0+10 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
}

// TestSlowClientIsCut: a client that sends half a request and stalls is
// disconnected after the header timeout instead of holding a goroutine.
func TestSlowClientIsCut(t *testing.T) {
	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}}}
	s.Scan(context.Background())
	url := listen(t, Handler(s), func(srv *http.Server) { srv.ReadHeaderTimeout = 200 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if d := time.Since(start); d > 3*time.Second || (err != nil && errors.Is(err, os.ErrDeadlineExceeded)) {
		t.Errorf("the stalled connection was kept %v (%v)", d, err)
	}
}

// hangingCollector answers once, then hangs until released: a source
// that locks up after the first scan.
type hangingCollector struct {
	calls   atomic.Int32
	release chan struct{}
}

func (*hangingCollector) Name() string          { return "hangs" }
func (*hangingCollector) Reads() []capture.Read { return nil }

func (h *hangingCollector) Collect(ctx context.Context, _ collectors.Env) (*topology.Fragment, error) {
	if h.calls.Add(1) > 1 {
		<-h.release
	}
	return &topology.Fragment{Components: []*topology.Component{{ID: "thing:0", Kind: "thing"}}}, nil
}

// TestScrapeDuringHungScan: while a scan waits on a hung source, scrapes
// answer at once from the last good graph, and scan after scan the hung
// collector costs one goroutine, not one more per scan.
func TestScrapeDuringHungScan(t *testing.T) {
	h := &hangingCollector{release: make(chan struct{})}
	defer close(h.release)
	reg := &collectors.Registry{}
	reg.Register(h)
	s := &scan.Engine{Source: &scan.Machine{Registry: reg}, Timeout: 300 * time.Millisecond}
	first := s.Scan(context.Background())
	url := listen(t, Handler(s), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { s.Scan(ctx); close(done) }()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Answered while the scan still waits on its hung collector (until
	// its 300 ms deadline): the scrape did not wait for it. Said by the
	// order of events, not by a clock.
	select {
	case <-done:
		t.Error("the scrape was answered only after the hung scan ended")
	default:
	}
	if !strings.Contains(string(body), `hwgraph_component_info{id="thing:0"`) {
		t.Errorf("the scrape during a hung scan lacks the last good graph")
	}
	<-done
	if g := s.Graph(); g == first || statusOf(g, "hangs").State != "timeout" {
		t.Errorf("the hung scan did not finish as a timeout: %+v", g.Collectors)
	}
	before := runtime.NumGoroutine()
	for range 5 {
		s.Scan(ctx)
	}
	if after := runtime.NumGoroutine(); after > before+6 {
		t.Errorf("goroutines %d → %d over 5 hung scans", before, after)
	}
}

func statusOf(g *topology.Graph, name string) topology.CollectorStatus {
	for _, st := range g.Collectors {
		if st.Name == name {
			return st
		}
	}
	return topology.CollectorStatus{}
}

// TestTLSAndBasicAuth: through exporter-toolkit's web config, the page and
// metrics need TLS and the password; a wrong password is refused.
func TestTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hwgraph-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	cfg := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n",
		filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), hash)
	cfgPath := filepath.Join(dir, "web.yml")
	os.WriteFile(cfgPath, []byte(cfg), 0o600)

	s := &scan.Engine{Source: &scan.Machine{Registry: collectors.New(collectors.Options{}), Env: collectors.Env{Root: fixture.Root(t, "procfs/fixtures.tar.gz")}}}
	s.Scan(context.Background())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Handler(s), DefaultMaxRequests)
	no := false
	go web.Serve(l, srv, &web.FlagConfig{WebConfigFile: &cfgPath, WebSystemdSocket: &no}, promslog.NewNopLogger())
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	base := "https://" + l.Addr().String()
	get := func(scheme, user, pass string) int {
		u := base
		if scheme == "http" {
			u = "http://" + l.Addr().String()
		}
		req, _ := http.NewRequest("GET", u+"/metrics", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; get("https", "prometheus", "s3cret") != 200; i++ {
		if i > 50 {
			t.Fatal("the TLS server did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, code := range map[string]int{
		"no password":    get("https", "", ""),
		"wrong password": get("https", "prometheus", "guess"),
		"wrong user":     get("https", "root", "s3cret"),
	} {
		if code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, code)
		}
	}
	if code := get("http", "prometheus", "s3cret"); code == 200 {
		t.Error("plain HTTP answered on the TLS port")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
