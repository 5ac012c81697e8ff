#!/bin/sh
# On purge (deb) the state systemd made for the agent goes too: the
# baseline, the last scan, the event journal. An rpm erase keeps it, as
# rpm keeps what it did not install.
set -e
case "$1" in
purge) rm -rf /var/lib/hwgraph /var/lib/private/hwgraph ;;
esac
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
