package exporter

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/hwgraph/hwgraph/topology"
)

// metricsHandler serves /metrics with the graph's part encoded (and
// compressed) once per scan and format: its series cannot change between
// scans, and encoding them per scrape — as promhttp.HandlerFor does, even
// over a Gatherer that caches them — made concurrent scrapers CPU-bound.
// The Go runtime and process metrics follow, gathered at most once a
// second: the text formats are a sequence of families, and gzip members
// concatenate.
type metricsHandler struct {
	graph        func() *topology.Graph
	cached       prometheus.Gatherer // the graph's metrics
	liveGatherer prometheus.Gatherer // runtime and process metrics

	// The cache holds the graph it encodes weakly, and is dropped when
	// that graph is collected: scans replace the graph between scrapes,
	// and a stale graph and its encodings, kept for the next scrape,
	// would only be thrown away by it.
	mu      sync.Mutex
	key     weak.Pointer[topology.Graph]
	encoded map[string][]byte // by cacheKey

	liveMu sync.Mutex
	live   map[string]timedBytes
}

// gzipWriters are reused: a gzip.Writer carries large compressor tables,
// and the live part is compressed anew every second.
var gzipWriters sync.Pool

// gzipTo returns a pooled writer reset to write to buf; put it back after
// Close.
func gzipTo(buf *bytes.Buffer) *gzip.Writer {
	if zw, ok := gzipWriters.Get().(*gzip.Writer); ok {
		zw.Reset(buf)
		return zw
	}
	return gzip.NewWriter(buf)
}

func (h *metricsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := expfmt.NegotiateAccept(r.Header, expfmt.DefaultOpenMetricsAcceptedFormats()...)
	if format.FormatType() == expfmt.TypeProtoDelim {
		format = expfmt.NewFormat(expfmt.TypeTextPlain) // one cache fewer; every scraper reads text
	}
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	head, err := h.graphPart(format, gz)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
	}
	live := h.livePart(format, gz)
	w.Header().Set("Content-Type", string(format))
	// A known length spares the chunked encoding of two writes.
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(live)))
	w.Write(head)
	w.Write(live)
}

// livePeriod is how long the runtime and process metrics are reused:
// reading /proc/self for them cost more than all the graph's series, and
// no one scrapes an exporter more than once a second.
const livePeriod = time.Second

// livePart is the Go runtime and process families, ending the document,
// gathered at most once a livePeriod.
func (h *metricsHandler) livePart(format expfmt.Format, gz bool) []byte {
	key := cacheKey(format, gz)
	h.liveMu.Lock()
	defer h.liveMu.Unlock()
	if c, ok := h.live[key]; ok && time.Since(c.at) < livePeriod {
		return c.b
	}
	mfs, _ := h.liveGatherer.Gather()
	b, _ := encode(mfs, format, gz, true) // what encodes is served
	if h.live == nil {
		h.live = map[string]timedBytes{}
	}
	h.live[key] = timedBytes{b, time.Now()}
	return b
}

type timedBytes struct {
	b  []byte
	at time.Time
}

func cacheKey(format expfmt.Format, gz bool) string {
	if gz {
		return string(format) + "|gzip"
	}
	return string(format) + "|plain"
}

// encode writes the families in the format, gzip-compressed when gz.
// end closes the document (OpenMetrics' "# EOF"): the graph part is not
// closed, the live part that follows it is. A family that fails to encode
// is left out and its error returned with the rest.
func encode(mfs []*dto.MetricFamily, format expfmt.Format, gz, end bool) ([]byte, error) {
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzipTo(&buf)
		defer gzipWriters.Put(zw)
		w = zw
	}
	enc := expfmt.NewEncoder(w, format)
	var first error
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil && first == nil {
			first = err
		}
	}
	if c, ok := enc.(expfmt.Closer); ok && end {
		c.Close()
	}
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes(), first
}

// graphPart is the graph's families in the format, from the cache.
func (h *metricsHandler) graphPart(format expfmt.Format, gz bool) ([]byte, error) {
	g := h.graph()
	key := cacheKey(format, gz)
	h.mu.Lock()
	defer h.mu.Unlock()
	if g == nil || h.key.Value() != g {
		h.key, h.encoded = weak.Make(g), map[string][]byte{}
		if g != nil {
			runtime.AddCleanup(g, h.forget, h.key)
		}
	}
	if b, ok := h.encoded[key]; ok {
		return b, nil
	}
	mfs, err := h.cached.Gather()
	if err != nil {
		return nil, err
	}
	dropEmptyLabels(mfs)
	b, err := encode(mfs, format, gz, false)
	if err != nil {
		return nil, err
	}
	h.encoded[key] = b
	return b, nil
}

// forget drops the cache of a graph that is no more.
func (h *metricsHandler) forget(key weak.Pointer[topology.Graph]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.key == key {
		h.key, h.encoded = weak.Pointer[topology.Graph]{}, nil
	}
}

// dropEmptyLabels removes the labels whose value is empty: a descriptor
// has one set of labels for every component, and a component without a
// serial or a PCI address has none to print. Prometheus reads an empty
// label as no label, so queries are the same; the exposition says only
// what the machine has. hwgraph_build_info keeps its labels, as every
// exporter's build_info does.
func dropEmptyLabels(mfs []*dto.MetricFamily) {
	for _, mf := range mfs {
		if mf.GetName() == ns+"_build_info" {
			continue
		}
		for _, m := range mf.Metric {
			m.Label = slices.DeleteFunc(m.Label, func(l *dto.LabelPair) bool { return l.GetValue() == "" })
		}
	}
}
