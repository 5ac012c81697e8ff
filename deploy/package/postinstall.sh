#!/bin/sh
# hwgraph's package is installed: let systemd see the unit, and enable it
# on a new install. It is started by the administrator (systemctl start
# hwgraph), after reading /etc/default/hwgraph.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
	case "$1" in
	configure | 1) systemctl enable hwgraph.service >/dev/null 2>&1 || true ;;
	esac
fi
exit 0
