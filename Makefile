# Developer targets. CI runs `go test ./...` (README), which also runs
# every fuzz target's seed corpus.

FUZZTIME ?= 30s
export CGO_CFLAGS ?= -Wno-deprecated-declarations

.PHONY: build test fuzz bench load package release image

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

# Releases are built without cgo: NVML is loaded at run time (purego), so
# every architecture keeps the GPU collector and needs no cross compiler.
# The binaries still load glibc's dynamic linker, to dlopen NVML.
ARCHES ?= amd64 arm64
NFPM   ?= go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
DIST   := dist

$(DIST)/hwgraph-$(VERSION)-linux-%/hwgraph: FORCE
	mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$* go build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/hwgraph

# package: .deb and .rpm for each of ARCHES, into dist/ (nfpm;
# deploy/package/nfpm.yaml says what goes where).
package: $(foreach a,$(ARCHES),$(DIST)/hwgraph-$(VERSION)-linux-$(a)/hwgraph)
	@set -e; for a in $(ARCHES); do \
		mkdir -p $(DIST)/stage; cp $(DIST)/hwgraph-$(VERSION)-linux-$$a/hwgraph $(DIST)/stage/hwgraph; \
		for p in deb rpm; do \
			ARCH=$$a VERSION=$(VERSION) $(NFPM) package --config deploy/package/nfpm.yaml --packager $$p --target $(DIST)/; \
		done; \
	done; rm -rf $(DIST)/stage

# release: the tarballs (binary, LICENSE, NOTICE, README, the unit, the
# dashboards and alert rules), the packages, and SHA256SUMS.
release: package
	@set -e; for a in $(ARCHES); do \
		d=$(DIST)/hwgraph-$(VERSION)-linux-$$a; \
		cp LICENSE NOTICE README.md CHANGELOG.md deploy/systemd/hwgraph.service deploy/systemd/hwgraph.default \
			dashboards/host.json dashboards/fleet.json dashboards/alerts.yml dashboards/rules.yml $$d/; \
		tar -C $(DIST) -czf $$d.tar.gz $$(basename $$d); \
	done
	cd $(DIST) && sha256sum *.tar.gz *.deb *.rpm > SHA256SUMS

# image: the container image, as localhost/hwgraph:$(VERSION).
image:
	podman build --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) --build-arg BRANCH=$(BRANCH) \
		--build-arg BUILDDATE=$(BUILDDATE) -t localhost/hwgraph:$(VERSION) .

FORCE:

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
