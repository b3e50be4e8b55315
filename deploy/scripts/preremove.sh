#!/bin/sh
# %preun: $1 = 0 on removal, 1 on upgrade (the old package is being replaced).
# On removal the service is stopped and disabled; configuration and state stay.
# systemctl only removes the enablement links in a chroot; without systemctl this
# is skipped.
unit=cyops-connector-sentinelone.service

if [ "${1:-0}" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl --no-reload disable --now "$unit" >/dev/null 2>&1 || :
fi
exit 0
