#!/bin/sh
# %post: $1 = 1 on install, 2 on upgrade. The service is never started here: the
# administrator enables it after editing connector.env. A running service is
# restarted after an upgrade by %postun (try-restart).
# systemctl ignores these requests in a chroot; without systemctl they are skipped.
unit=cyops-connector-sentinelone.service
etc=/etc/cyops-connector-sentinelone
share=/usr/share/cyops-connector-sentinelone

if command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi

# The server's bearer token and FortiSOAR's client file: created when missing (install,
# or an upgrade from a release without them), never changed once there.
if command -v sentinelone-connector >/dev/null 2>&1; then
    sentinelone-connector setup-client --dir "$etc" ||
        echo "cyops-connector-sentinelone: could not create $etc/api-token and $etc/client.conf;" \
            "run: sentinelone-connector setup-client"
fi

if [ "${1:-1}" -eq 1 ]; then
    echo "cyops-connector-sentinelone is installed; the server is not started yet."
    echo "  1. Review $etc/connector.env, then run: systemctl enable --now $unit"
    echo "  2. In FortiSOAR, import the connector bundle $share/sentinelone-1.1.0.tgz"
    echo "     (Connectors page: import/upload a connector). Its connector.py reaches this"
    echo "     server through $etc/client.conf (URL and token; group fsr-integrations or nginx)."
    echo "  See /usr/share/doc/cyops-connector-sentinelone/README.md."
fi
exit 0
