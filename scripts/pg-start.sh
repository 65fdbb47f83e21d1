#!/usr/bin/env bash
# Starts a private PostgreSQL server on loopback for claimgraph's tests,
# creates a database "claimgraph" on it and prints its URL to export as
# CLAIMGRAPH_TEST_POSTGRES. Installs the
# Debian package if no server is found. Idempotent: a server already
# running in the directory is reused.
#
#   eval "$(scripts/pg-start.sh)"     # then: go test ./...
#
# Environment: PGDIR (default /tmp/claimgraph-pg), PGPORT (default 55432).
set -euo pipefail
dir="${PGDIR:-/tmp/claimgraph-pg}"
port="${PGPORT:-55432}"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

# initdb and postgres refuse to run as root; run them as the postgres user
# (created by the Debian package) when we are root.
as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  as=(runuser -u postgres --)
fi
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"

if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
fi
if ! "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200 -c shared_buffers=1GB" start >&2 ||
    { cat "$dir/server.log" >&2; exit 1; }
fi
# The database the tests connect to; each test creates (and drops) one of
# its own from there, so the user needs CREATEDB, as postgres has.
if ! "${as[@]}" "$bindir/psql" -h "$dir" -p "$port" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'claimgraph'" postgres | grep -q 1; then
  "${as[@]}" "$bindir/psql" -h "$dir" -p "$port" -U postgres -qc "CREATE DATABASE claimgraph" postgres >&2
fi
echo "export CLAIMGRAPH_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/claimgraph?sslmode=disable'"
