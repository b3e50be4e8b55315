#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests, from Debian's packages.
#
#   eval "$(bash scripts/postgres.sh start)"   # installs if needed, starts, exports the DSN
#   bash scripts/postgres.sh stop
#
# start prints `export SENTINELONE_TEST_POSTGRES=postgres://…`; the Go tests that need a
# PostgreSQL server read that variable and are skipped, saying so, when it is unset.
# The cluster lives in PG_DIR (default /tmp/sentinelone-pg), listens on 127.0.0.1:PG_PORT
# (default 55432) only, trusts loopback (it holds test data only) and runs as the postgres
# user, since PostgreSQL refuses to run as root.
set -euo pipefail

PG_DIR=${PG_DIR:-/tmp/sentinelone-pg}
PG_PORT=${PG_PORT:-55432}
PG_DB=${PG_DB:-sentinelone_test}

bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

install() {
	if bindir >/dev/null; then
		return 0
	fi
	echo "PostgreSQL is missing: installing it from Debian's packages" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >/dev/null
}

start() {
	install
	local bin
	bin=$(bindir)
	if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
		mkdir -p "$PG_DIR"
		[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
		as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
	fi
	if ! as_pg "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
		as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=200" \
			start >&2
	fi
	if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc \
		"SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
		"$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $PG_DB" >&2
	fi
	echo "export SENTINELONE_TEST_POSTGRES=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable"
}

stop() {
	local bin
	bin=$(bindir) || return 0
	if [ -d "$PG_DIR/data" ]; then
		as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >&2 || true
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
