#!/bin/sh
# %pre: $1 = 1 on install, 2 on upgrade. Creates the service account if it is missing.
set -e

user=cyops-sentinelone
group=cyops-sentinelone
home=/var/lib/cyops-connector-sentinelone

nologin=/sbin/nologin
if [ ! -x "$nologin" ] && [ -x /usr/sbin/nologin ]; then
    nologin=/usr/sbin/nologin
fi

if ! getent group "$group" >/dev/null 2>&1; then
    groupadd -r "$group"
fi
if ! getent passwd "$user" >/dev/null 2>&1; then
    useradd -r -g "$group" -d "$home" -M -s "$nologin" \
        -c "FortiSOAR SentinelOne connector" "$user"
fi
exit 0
