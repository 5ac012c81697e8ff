#!/usr/bin/env bash
# Shows whether a change left hwgraph's output as it was: builds hwgraph
# at REV (default HEAD) and from the working tree, runs both on every
# capture in testdata/ in every format (json, tree, dot, text, matrix,
# svg, prom), and compares them byte for byte. Only what differs from run
# to run is masked first: the scan's time and each collector's duration.
# Prints one line per capture and format that differs, with the first
# lines of the diff, and exits 1 if any does.
# Usage: tools/outputs/compare.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:-HEAD}
export CGO_CFLAGS=-Wno-deprecated-declarations
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/src" "$rev" >/dev/null 2>&1
(cd "$tmp/src" && go build -o "$tmp/before" ./cmd/hwgraph)
go build -o "$tmp/after" ./cmd/hwgraph

# mask: the scan's time and the collectors' durations, in JSON, in the
# tree's last line and in the Prometheus text.
mask() {
	sed -E -e 's/"time": ?"[^"]*"/"time":"T"/' -e 's/"duration_seconds": ?[0-9.e+-]+/"duration_seconds":D/g' \
		-e '/^Collectors: /s/ [0-9]+ms/ Nms/g' \
		-e 's/^(hwgraph_(collector_duration_seconds|last_scan_timestamp_seconds)(\{[^}]*\})?) [0-9.e+-]+$/\1 D/'
}

n=0 differ=0
for capture in testdata/hwloc/*.tar.bz2 testdata/ghw/*.tar.gz testdata/hwgraph/*.tar.gz testdata/node_exporter/sys.tar.gz testdata/procfs/fixtures.tar.gz; do
	# Unpacked once, not by each run.
	rm -rf "$tmp/tree" && mkdir "$tmp/tree" && tar xf "$capture" -C "$tmp/tree"
	root=$(find "$tmp/tree" -maxdepth 3 -type d -name sys | head -1)
	root=${root%/sys}
	for format in json tree dot text matrix svg prom; do
		n=$((n + 1))
		"$tmp/before" --root "${root:-$capture}" --format "$format" 2>/dev/null | mask >"$tmp/a" || true
		"$tmp/after" --root "${root:-$capture}" --format "$format" 2>/dev/null | mask >"$tmp/b" || true
		if ! cmp -s "$tmp/a" "$tmp/b"; then
			differ=$((differ + 1))
			echo "differs: $capture --format $format"
			diff "$tmp/a" "$tmp/b" | head -8 || true
		fi
	done
done
echo "$((n - differ)) of $n outputs byte-identical ($rev against the working tree)"
[ "$differ" -eq 0 ]
