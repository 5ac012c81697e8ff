#!/bin/sh
# test-image.sh: build hwgraph's image with podman from the repository's
# Dockerfile, unchanged, and check it: --version, then the agent serving a
# captured machine mounted read-only, its /metrics scraped from outside
# the container and checked by promtool. Run by .ci/run as root.
#
# No registry is reachable on our machines, so the Dockerfile's FROM
# images are made here first, when they are not in podman's store: the
# runtime base from Debian's packages (debootstrap), and the Go build
# image from that base and this machine's Go toolchain. Where the real
# images can be pulled, the same Dockerfile builds against them.
# Containers run under runc, with ulimits at or below the machine's own
# (a container may not raise them).
set -eu
cd "$(dirname "$0")/../.."
base=docker.io/library/debian:bookworm-slim
goimg=docker.io/library/golang:1.26-bookworm
image=localhost/hwgraph:test
run="podman --runtime runc run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
work=$(mktemp -d)
name=hwgraph-image-test-$$
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

if ! podman image exists "$base"; then
	mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	debootstrap --variant=minbase bookworm "$work/rootfs" "${mirror:-http://deb.debian.org/debian}" >/dev/null
	# What Debian's -slim images leave out: apt's caches, docs, manuals,
	# translations.
	(cd "$work/rootfs" && rm -rf var/cache/apt/*.bin var/cache/apt/archives/*.deb var/lib/apt/lists/* \
		usr/share/doc/* usr/share/man/* usr/share/locale/* usr/share/info/*)
	tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null
	rm -rf "$work/rootfs"
fi
if ! podman image exists "$goimg"; then
	goroot=$(go env GOROOT)
	mkdir -p "$work/go"
	cat >"$work/go/Containerfile" <<EOS
FROM $base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY go /usr/local/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOPATH=/go
EOS
	cp -a "$goroot" "$work/go/go"
	# This machine's trust: an egress proxy that re-signs TLS (ours does)
	# is trusted here, so the stand-in trusts what the host does.
	cp /etc/ssl/certs/ca-certificates.crt "$work/go/"
	podman build -q --runtime runc -t "$goimg" "$work/go" >/dev/null
	rm -rf "$work/go"
fi

version=$(cat VERSION)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
podman build -q --runtime runc --build-arg VERSION="$version" --build-arg REVISION="$revision" -t "$image" . >/dev/null
$run "$image" --version | grep -q "hwgraph, version $version" || {
	echo "test-image: --version does not say $version" >&2
	exit 1
}
[ "$(podman image inspect -f '{{index .Labels "org.opencontainers.image.revision"}}' "$image")" = "$revision" ]

# The agent on a captured machine, mounted read-only.
mkdir "$work/cap"
tar -C "$work/cap" -xjf testdata/hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 19877)
podman --runtime runc run -d --name "$name" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	-p "127.0.0.1:$port:9877" -v "$work/cap/32em64t-2n8c+1mic:/cap:ro" --read-only \
	"$image" serve --root /cap --state-dir "" >/dev/null
for i in $(seq 50); do
	curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics" 2>/dev/null && break
	sleep 0.2
done
grep -q '^hwgraph_build_info{.*version="'"$version"'"' "$work/metrics"
grep -q '^hwgraph_component_state{id="pci:0000:00:00.0",kind="pci-function",state="ok"} 1' "$work/metrics" || {
	echo "test-image: no PCI function in the metrics" >&2
	head -50 "$work/metrics" >&2
	exit 1
}
promtool check metrics <"$work/metrics"
size=$(podman image inspect -f '{{.Size}}' "$image")
echo "test-image: $image builds, says $version, serves the capture ($(grep -c '^hwgraph_' "$work/metrics") series, promtool clean); image size $size bytes"
