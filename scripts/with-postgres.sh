#!/usr/bin/env bash
# Runs a command with MUSTER_TEST_PG_URL pointing at a PostgreSQL server.
# - If MUSTER_TEST_PG_URL is already set, that server is used as it is.
# - Otherwise a throwaway PostgreSQL cluster is created with initdb, started on loopback only,
#   and removed when the command ends (Debian: apt-get install postgresql; initdb and pg_ctl
#   must be on the PATH or under /usr/lib/postgresql/*/bin).
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail

if [[ -n "${MUSTER_TEST_PG_URL:-}" ]]; then exec "$@"; fi

PG_BIN=""
if command -v initdb >/dev/null 2>&1; then PG_BIN="$(dirname "$(command -v initdb)")"
else
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && PG_BIN="$d"; done
fi
if [[ -z "$PG_BIN" ]]; then
  echo "with-postgres: no initdb found. Install PostgreSQL (apt-get install postgresql) or set MUSTER_TEST_PG_URL=postgres://user@host:port/db" >&2
  exit 1
fi

PGDIR="$(mktemp -d /tmp/muster-pg.XXXXXX)"
PORT="${MUSTER_TEST_PG_PORT:-$(( 40000 + RANDOM % 20000 ))}"
as_pg() { if [[ "$(id -u)" == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [[ "$(id -u)" == 0 ]]; then chown postgres "$PGDIR"; fi

cleanup() {
  as_pg "'$PG_BIN/pg_ctl' -D '$PGDIR/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT

as_pg "'$PG_BIN/initdb' -D '$PGDIR/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >"$PGDIR/initdb.log" 2>&1 \
  || { cat "$PGDIR/initdb.log" >&2; exit 1; }
as_pg "'$PG_BIN/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/server.log' -w -t 60 \
  -o \"-p $PORT -k '$PGDIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null \
  || { cat "$PGDIR/server.log" >&2; exit 1; }

export MUSTER_TEST_PG_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "with-postgres: throwaway PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
"$@"
