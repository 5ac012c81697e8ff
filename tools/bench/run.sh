#!/usr/bin/env bash
# Times hwgraph against its peers on the same real captures, in one run,
# and prints a Markdown table (medians of RUNS runs, peak RSS):
#   hwgraph --format json         vs  lstopo-no-graphics --whole-io --of xml
#                                 vs  lspci -tv (sysfs of the capture)
#   hwgraph serve: GET /metrics   vs  prometheus-node-exporter, hardware
#                                     collectors (edac, hwmon, nvme, pci…)
# and what an agent costs running (a second table): CPU per scan of
# hwgraph serve scanning every second, hearing device events as on a live
# machine, against node_exporter's CPU per scrape scraped every second,
# both running over the same SECONDS_RUN (60), in three windows (each
# program's median), with RSS and private memory after: node_exporter's
# private memory grows through its first minute (hwgraph's is level from
# its fifteenth second), so a shorter run would catch it still growing.
# Usage: tools/bench/run.sh [RUNS]   (needs hwloc-nox, pciutils,
# prometheus-node-exporter and curl; .ci/run installs all but the last two)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-7}
FIXTURES=${FIXTURES:-testdata}
export CGO_CFLAGS=-Wno-deprecated-declarations
# The trees go on tmpfs (unpacking to disk costs a millisecond a file);
# the binaries on disk, where node_exporter's is too: a binary on tmpfs is
# counted in RSS differently (shared memory, no fault-around), 2 MiB less.
work=$(mktemp -d /dev/shm/hwgraph-bench.XXXX 2>/dev/null || mktemp -d)
bin=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work" "$bin"; }
trap cleanup EXIT
go build -o "$bin/hwgraph" ./cmd/hwgraph
go build -o "$bin/scrape" ./tools/bench/scrape
go build -o "$bin/timeit" ./tools/bench/timeit
sync; sleep 2 # let the builds' writes settle before anything is timed

# measure CMD...: median wall time and largest peak RSS of RUNS runs, timed
# by tools/bench/timeit, which starts the command itself (no shell, date or
# time(1) in the measurement).
measure() { "$bin/timeit" "$RUNS" "$@"; }

# scrape URL: median of RUNS*10 GET /metrics on one kept-alive
# connection with gzip, as Prometheus scrapes.
scrape() { "$bin/scrape" "$1" $((RUNS * 10)); }

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; return 1; }

# ratio A B: the first number of A over that of B, as "0.52×".
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; }

# mem PID: "RSS, private" in MiB: the resident set and, of it, the
# anonymous memory the process alone holds (RssAnon), without the mapped
# binary and libraries.
mem() { awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} END {printf "%d MiB, %.1f private", r/1024, a/1024}' "/proc/$1/status"; }

# node_exporter ROOT PORT: Debian's node_exporter on the capture at ROOT,
# its hardware collectors only, in the background ($! is its PID).
node_exporter() {
	prometheus-node-exporter --path.sysfs="$1/sys" --path.procfs="$1/proc" --web.listen-address="127.0.0.1:$2" \
		--collector.disable-defaults --collector.edac --collector.hwmon --collector.nvme --collector.infiniband \
		--collector.thermal_zone --collector.netclass 2>/dev/null & pids+=($!)
}

echo "| capture | hwgraph --format json | lstopo --whole-io --of xml | hwgraph / lstopo | lspci -tv | hwgraph /metrics scrape (RSS, private) | node_exporter /metrics scrape (RSS, private) | node_exporter / hwgraph |"
echo "|---|---|---|---|---|---|---|---|"
for c in hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2 hwloc/256ia64-64n2s2c.tar.bz2 hwloc/40intel64-2g2n4c+pcilocality.tar.bz2 node_exporter/sys.tar.gz; do
	[ -f "$FIXTURES/$c" ] || continue
	dir="$work/$(basename "$c")"; mkdir -p "$dir"; tar xf "$FIXTURES/$c" -C "$dir"
	root=$(dirname "$(find "$dir" -maxdepth 3 -type d -name sys | head -1)")
	fns=$(ls "$root/sys/bus/pci/devices" 2>/dev/null | wc -l || true)
	hw=$(measure "$bin/hwgraph" --root "$root" --format json --state-dir "")
	lt=$(HWLOC_FSROOT=$root measure lstopo-no-graphics --whole-io --of xml)
	lp=$(measure lspci -tv -A linux-sysfs -O "sysfs.path=$root/sys/bus/pci")
	hp=$(port); "$bin/hwgraph" serve --root "$root" --state-dir "" --web.listen-address "127.0.0.1:$hp" --log.level error 2>/dev/null & pids+=($!)
	hsp=$!
	ne="n/a"; nrss=""
	if command -v prometheus-node-exporter >/dev/null; then
		np=$(port)
		node_exporter "$root" "$np"
		nsp=$!
		wait_http "http://127.0.0.1:$np/metrics"
		ne=$(scrape "http://127.0.0.1:$np/metrics")
		nrss=" ($(mem $nsp))"
	fi
	wait_http "http://127.0.0.1:$hp/metrics"
	hs=$(scrape "http://127.0.0.1:$hp/metrics")
	hrss="$(mem $hsp)"
	echo "| ${c%%.tar*} ($fns PCI functions) | $hw | $lt | $(ratio "$hw" "$lt") | $lp | $hs ($hrss) | $ne$nrss | $(ratio "$ne" "$hs") |"
	# Stop this capture's servers: idle or not, they must not share the
	# CPUs with the next capture's timings.
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
done

# cpu PID: the CPU time the process's threads used so far, in
# milliseconds, from the scheduler's nanosecond counts (the clock ticks of
# /proc/PID/stat are 10 ms: a few scans' worth).
cpu() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.3f", s / 1e6 }'; }

# Both agents run read back from disk, not from the pages that wrote
# them: a binary just written can sit in the page cache as its writer
# left it (2 MiB folios, mapped huge: FilePmdMapped), and in a VM such a
# binary costs much more CPU a scan than the same file read back (the
# commit that added this says how much). dd's nocache drops a whole
# file's clean pages. The one-shots above are not: a binary read back
# faults its pages in one by one, and lstopo's libraries, which make
# most of its code, would stay cached.
for f in "$bin/hwgraph" $(command -v prometheus-node-exporter || true); do
	dd if="$f" iflag=nocache count=0 status=none 2>/dev/null || true
done
SECONDS_RUN=${SECONDS_RUN:-60}

# persecond FROM TO SECONDS: the CPU milliseconds used in between, a
# second (a scan, a scrape).
persecond() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { print (b - a) / n }'; }

# median X...: the middle of the numbers, as "1.23 ms".
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f ms", v[int((NR + 1) / 2)] }'; }
echo
echo "| capture | hwgraph serve: CPU per scan, 1 s scans (RSS, private) | node_exporter: CPU per scrape, 1 s scrapes (RSS, private) | hwgraph / node_exporter |"
echo "|---|---|---|---|"
for c in hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2 node_exporter/sys.tar.gz; do
	[ -f "$FIXTURES/$c" ] || continue
	dir="$work/cpu-$(basename "$c")"; mkdir -p "$dir"; tar xf "$FIXTURES/$c" -C "$dir"
	root=$(dirname "$(find "$dir" -maxdepth 3 -type d -name sys | head -1)")
	state=$(mktemp -d)
	# --scan.device-events on: the agent hears this kernel's device events
	# as it does on a live machine, and trusts between them what changes
	# only with one; the capture does not change.
	# Both run at once, over the same seconds: a machine whose speed drifts
	# (a VM's neighbours) slows both alike, and the ratio holds.
	hp=$(port); "$bin/hwgraph" serve --root "$root" --state-dir "$state" --scan.interval 1s --scan.device-events on --web.listen-address "127.0.0.1:$hp" --log.level error 2>/dev/null & pids+=($!)
	hsp=$!
	ncpu="n/a"; nmem=""; nsp=""
	if command -v prometheus-node-exporter >/dev/null; then
		np=$(port)
		node_exporter "$root" "$np"
		nsp=$!
		wait_http "http://127.0.0.1:$np/metrics"
	fi
	wait_http "http://127.0.0.1:$hp/metrics"; sleep 3 # past start-up and the first, whole scans
	# Three windows, each program's median of them: one window in which
	# a neighbour of the VM slowed one program does not make the ratio.
	hw=(); nw=()
	h0=$(cpu $hsp)
	[ -z "$nsp" ] || n0=$(cpu $nsp)
	win=$((SECONDS_RUN / 3))
	for _ in 1 2 3; do
		for _ in $(seq "$win"); do
			[ -z "$nsp" ] || curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$np/metrics"
			sleep 1
		done
		h1=$(cpu $hsp); hw+=("$(persecond "$h0" "$h1" "$win")"); h0=$h1
		[ -z "$nsp" ] || { n1=$(cpu $nsp); nw+=("$(persecond "$n0" "$n1" "$win")"); n0=$n1; }
	done
	hcpu=$(median "${hw[@]}")
	hmem=$(mem $hsp)
	if [ -n "$nsp" ]; then
		ncpu=$(median "${nw[@]}")
		nmem=" ($(mem $nsp))"
		kill $nsp 2>/dev/null || true; wait $nsp 2>/dev/null || true
	fi
	kill $hsp 2>/dev/null || true; wait $hsp 2>/dev/null || true
	rm -rf "$state"
	echo "| ${c%%.tar*} | $hcpu ($hmem) | $ncpu$nmem | $(ratio "$hcpu" "$ncpu") |"
	pids=()
done
