#!/bin/sh
# test-deb.sh PACKAGE.deb: install hwgraph's .deb on this machine, check
# what it installed, purge it, and check that nothing is left behind
# (Debian policy: a purge removes the package's files, its conffiles and
# what its scripts made). Run by .ci/run as root.
set -eu
deb=$1
paths="/usr/bin /usr/lib/systemd/system /usr/share/hwgraph /usr/share/doc/hwgraph /etc/default /var/lib/hwgraph /var/lib/private"
snapshot() { find $paths 2>/dev/null | sort; }
before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
if dpkg -s hwgraph >/dev/null 2>&1 || [ -e /var/lib/hwgraph ]; then
	echo "test-deb: hwgraph is installed, or its state is in /var/lib/hwgraph, already; not touching it" >&2
	exit 1
fi
snapshot >"$before"

dpkg -i "$deb"
/usr/bin/hwgraph --version
systemd-analyze verify /usr/lib/systemd/system/hwgraph.service
for f in /usr/bin/hwgraph /usr/lib/systemd/system/hwgraph.service /etc/default/hwgraph \
	/usr/share/hwgraph/dashboards/host.json /usr/share/hwgraph/alerts.yml /usr/share/hwgraph/node-problem-detector/hwgraph-plugin.json \
	/usr/share/doc/hwgraph/copyright; do
	[ -e "$f" ] || { echo "test-deb: $f not installed" >&2; exit 1; }
done
# The agent's state folder, as systemd's StateDirectory= makes it.
mkdir -p /var/lib/hwgraph && echo '{}' >/var/lib/hwgraph/baseline.json

dpkg --purge hwgraph
snapshot >"$after"
if ! diff -u "$before" "$after"; then
	echo "test-deb: the purge left the files above behind" >&2
	exit 1
fi
if dpkg -s hwgraph >/dev/null 2>&1; then
	echo "test-deb: hwgraph still known to dpkg after the purge" >&2
	exit 1
fi
echo "test-deb: $(basename "$deb") installed, verified and purged cleanly"
