# Developer targets. CI runs `go test ./...` (README), which also runs
# every fuzz target's seed corpus.

FUZZTIME ?= 30s
export CGO_CFLAGS ?= -Wno-deprecated-declarations

.PHONY: build test fuzz bench load

VERSION   ?= $(shell cat VERSION)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null)
BUILDUSER ?= $(shell id -un)@$(shell hostname)
BUILDDATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
pkgver    := github.com/prometheus/common/version
LDFLAGS   := -X $(pkgver).Version=$(VERSION) -X $(pkgver).Revision=$(REVISION) \
	-X $(pkgver).Branch=$(BRANCH) -X $(pkgver).BuildUser=$(BUILDUSER) -X $(pkgver).BuildDate=$(BUILDDATE)

# build: ./hwgraph, stamped with the version, revision, branch and date
# (`hwgraph --version`, hwgraph_build_info).
build:
	go build -ldflags '$(LDFLAGS)' -o hwgraph ./cmd/hwgraph

test:
	go test ./...

# fuzz runs every fuzz target for FUZZTIME (make fuzz FUZZTIME=10m). A
# crash lands in the package's testdata/fuzz and becomes a regression test.
fuzz:
	@set -e; for f in $$(grep -rl '^func Fuzz' --include='*_test.go' .); do \
		pkg=./$$(dirname $$f); \
		for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
			echo "== $$pkg $$t"; go test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME); \
		done; \
	done

# bench: the peers side by side on the real captures (README table), and
# the Go benchmarks.
bench:
	tools/bench/run.sh 7
	go test ./collectors ./cluster -run '^$$' -bench . -benchmem
	go test ./collectors -run '^$$' -bench SyntheticHost -cpu 1 -benchmem

# load: 100 concurrent scrapers for 60 s.
load:
	HWGRAPH_LOAD_SECONDS=60 go test ./exporter -run TestLoadConcurrentScrapes -v
