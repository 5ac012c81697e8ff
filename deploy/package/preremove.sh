#!/bin/sh
# Stop and disable the agent before its files go; on an upgrade (deb:
# upgrade, rpm: 1) it keeps running until the new version restarts it.
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now hwgraph.service >/dev/null 2>&1 || true
	fi
	;;
esac
exit 0
