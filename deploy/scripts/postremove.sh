#!/bin/sh
# %postun: $1 = 0 after removal, 1 after upgrade. After an upgrade the service is
# restarted only if it was running (try-restart). The service account,
# /etc/cyops-connector-sentinelone (changed files are kept as .rpmsave) and
# /var/lib/cyops-connector-sentinelone are left in place.
# systemctl ignores these requests in a chroot; without systemctl they are skipped.
unit=cyops-connector-sentinelone.service

if command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "${1:-0}" -ge 1 ]; then
        systemctl try-restart "$unit" >/dev/null 2>&1 || :
    fi
fi
exit 0
