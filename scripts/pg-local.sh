#!/usr/bin/env bash
# A throwaway local PostgreSQL for trying `tokenfab --db postgresql://...` and for running
# tests/integration/test_store_postgres.py against a server you keep running.
#
#   scripts/pg-local.sh start    # initdb (first time) + start; prints the URL to use
#   scripts/pg-local.sh stop     # stop the server (data kept)
#   scripts/pg-local.sh status
#   scripts/pg-local.sh url
#   scripts/pg-local.sh destroy  # stop and delete the data directory
#
# Needs the Debian/Ubuntu package: sudo apt-get install -y postgresql
# Settings: TOKENFAB_PG_DIR (default /tmp/tokenfab-pg-local), TOKENFAB_PG_PORT (default 55432).
# Listens on 127.0.0.1 only, trust auth (no password): for local testing, never for real data.
# As root, the server runs as user `postgres` (initdb refuses to run as root).
set -euo pipefail

DIR="${TOKENFAB_PG_DIR:-/tmp/tokenfab-pg-local}"
PORT="${TOKENFAB_PG_PORT:-55432}"
DB="tokenfab"
DATA="$DIR/data"
SOCK="$DIR/sock"
LOG="$DIR/server.log"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"

die() { echo "pg-local: $*" >&2; exit 1; }

BIN=""
for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && BIN="$d"  # glob sorts ascending: keep the newest
done
[[ -n "$BIN" ]] || die "PostgreSQL server not found under /usr/lib/postgresql; sudo apt-get install -y postgresql"

AS=()
if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no user 'postgres'; apt-get install -y postgresql"
    AS=(runuser -u postgres --)
fi
run() { (cd "$DIR" && "${AS[@]}" "$@"); }

is_running() { [[ -d "$DATA" ]] && run "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

cmd_start() {
    if [[ ! -d "$DATA" ]]; then
        mkdir -p "$DIR" "$SOCK"
        chmod 700 "$DIR"
        [[ ${#AS[@]} -gt 0 ]] && chown postgres: "$DIR" "$SOCK"
        run "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    fi
    if ! is_running; then
        run "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$SOCK" >/dev/null \
            || { tail -n 20 "$LOG" >&2; die "server did not start; log: $LOG"; }
    fi
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres \
        | grep -q 1 || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    echo "PostgreSQL running on 127.0.0.1:$PORT (data: $DATA)"
    echo "  tokenfab ... --db $URL"
    echo "  export TOKENFAB_TEST_PG_URL=$URL   # integration tests use this server"
}

cmd_stop() {
    if is_running; then run "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    echo "stopped"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) if is_running; then echo "running on 127.0.0.1:$PORT: $URL"; else echo "not running"; exit 3; fi ;;
    url) echo "$URL" ;;
    destroy) cmd_stop; rm -rf "$DIR"; echo "deleted $DIR" ;;
    *) echo "usage: $0 start|stop|status|url|destroy" >&2; exit 2 ;;
esac
