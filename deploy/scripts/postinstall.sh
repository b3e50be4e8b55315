#!/bin/sh
# %post: $1 = 1 on install, 2 on upgrade. The service is never started here: the
# administrator enables it after editing connector.env. A running service is
# restarted after an upgrade by %postun (try-restart).
# systemctl ignores these requests in a chroot; without systemctl they are skipped.
unit=cyops-connector-sentinelone.service

if command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi

if [ "${1:-1}" -eq 1 ]; then
    echo "cyops-connector-sentinelone: edit /etc/cyops-connector-sentinelone/connector.env," \
        "then run: systemctl enable --now $unit"
fi
exit 0
