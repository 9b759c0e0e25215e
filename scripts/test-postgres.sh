#!/usr/bin/env bash
# A throwaway PostgreSQL server on a loopback port, for tests and trying --state postgres://.
#   bash scripts/test-postgres.sh start DIR PORT   # initdb into DIR (if new), start; prints the URL
#   bash scripts/test-postgres.sh stop DIR         # stop (immediately)
#   bash scripts/test-postgres.sh restart DIR      # start again after a stop (same data)
# Runs the server as the `postgres` user when started as root (initdb refuses root). Trust
# authentication on 127.0.0.1 only: for tests, never for real data.
set -euo pipefail
cmd=${1:?start|stop|restart}
dir=${2:?data directory}

bin() {
    if command -v "$1" > /dev/null 2>&1; then command -v "$1"; return; fi
    local found
    found=$(ls /usr/lib/postgresql/*/bin/"$1" 2> /dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ]; then
        echo "error: $1 not found: install the PostgreSQL server (Debian: apt-get install postgresql-15)" >&2
        exit 3
    fi
    echo "$found"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    port=${3:?port}
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "$(bin initdb)" -D "$dir" -U postgres -A trust --no-sync > "$dir.initdb.log" 2>&1 \
            || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    echo "$port" > "$dir.port"
    as_owner "$(bin pg_ctl)" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c fsync=off" \
        start > /dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
restart)
    port=$(cat "$dir.port")
    as_owner "$(bin pg_ctl)" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c fsync=off" \
        start > /dev/null
    ;;
stop)
    if [ -f "$dir/postmaster.pid" ]; then
        as_owner "$(bin pg_ctl)" -D "$dir" -m immediate -w -t 30 stop > /dev/null || true
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR | restart DIR" >&2
    exit 2
    ;;
esac
