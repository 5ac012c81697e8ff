# Developer targets. CI runs `go test ./...` (README), which also runs
# every fuzz target's seed corpus.

FUZZTIME ?= 30s
export CGO_CFLAGS ?= -Wno-deprecated-declarations

.PHONY: test fuzz bench load

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
	bench/run.sh 7
	go test ./collectors ./cluster -run '^$$' -bench . -benchmem
	go test ./collectors -run '^$$' -bench SyntheticHost -cpu 1 -benchmem

# load: 100 concurrent scrapers for 60 s.
load:
	HWGRAPH_LOAD_SECONDS=60 go test ./exporter -run TestLoadConcurrentScrapes -v
