#!/usr/bin/env bash
# Measures load throughput of claimgraph against Cayley's own loader on the
# same generated corpus and backend, and prints a table with the ratio.
#   scripts/bench-load.sh [SOURCES] [BACKEND]     (defaults: 10000 leveldb)
# The two loads alternate $RUNS times (default 3), each into fresh stores,
# and the table gives the medians: on a shared machine a load's time drifts
# by a quarter from minute to minute.
# BACKEND postgres loads into two fresh databases on the server named by
# $CLAIMGRAPH_TEST_POSTGRES (e.g. eval "$(scripts/pg-start.sh)"); psql is
# used to create, measure and drop them.
set -euo pipefail
sources=${1:-10000}
backend=${2:-leveldb}
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -o "$work/claimgraph" ./cmd/claimgraph
# Cayley's CLI from the same pinned module, built in a scratch module so the
# project's go.sum stays as it is.
cver=$(go list -m -f '{{.Version}}' github.com/cayleygraph/cayley)
mkdir "$work/cayley-build"
(cd "$work/cayley-build" && go mod init cayleybuild >/dev/null 2>&1 &&
  go get "github.com/cayleygraph/cayley/cmd/cayley@$cver" >/dev/null 2>&1 &&
  go build -o "$work/cayley" github.com/cayleygraph/cayley/cmd/cayley)

"$work/claimgraph" gen --sources "$sources" --seed 1 -o "$work/corpus" 2>/dev/null
records=$(cat "$work"/corpus/*.txt | grep -c '^\(source\|person\|organisation\|claim\) · ' || true)

secs() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }

if [ "$backend" = postgres ]; then
  server=${CLAIMGRAPH_TEST_POSTGRES:?set CLAIMGRAPH_TEST_POSTGRES to a PostgreSQL server URL}
  base=${server%%\?*}; base=${base%/*}
  query=""; [ "$server" != "${server#*\?}" ] && query="?${server#*\?}"
  for d in cgbench_cg cgbench_cy; do psql -q "$server" -c "DROP DATABASE IF EXISTS $d" -c "CREATE DATABASE $d"; done
  trap 'rm -rf "$work"; for d in cgbench_cg cgbench_cy; do psql -q "$server" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)"; done' EXIT
  cg_db="$base/cgbench_cg$query"; cy_db="$base/cgbench_cy$query"
  size() { psql -At "$1" -c 'SELECT pg_database_size(current_database()) / 1048576'; }
else
  cg_db="$work/cg.db"; cy_db="$work/cy.db"
  size() { du -sm "$1" | cut -f1; }
fi
cg_backend=(--backend "$backend"); [ "$backend" = postgres ] && cg_backend=()
fresh() {
  if [ "$backend" = postgres ]; then
    for d in cgbench_cg cgbench_cy; do psql -q "$server" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" -c "CREATE DATABASE $d"; done
  else
    rm -rf "$cg_db" "$cy_db"
  fi
}
cg_runs=(); cy_runs=()
for i in $(seq "$runs"); do
  fresh
  cg_runs+=("$(secs "$work/claimgraph" load "${cg_backend[@]}" --db "$cg_db" "$work/corpus")")
  if [ "$i" = 1 ]; then
    # Cayley loads the quads claimgraph wrote.
    "$work/claimgraph" dump --db "$cg_db" > "$work/quads.nq"
    quads=$(wc -l < "$work/quads.nq")
  fi
  cy_runs+=("$(secs "$work/cayley" load --init --db "$backend" --dbpath "$cy_db" -i "$work/quads.nq")")
  printf 'run %d: claimgraph %s s, cayley %s s\n' "$i" "${cg_runs[-1]%% *}" "${cy_runs[-1]%% *}" >&2
done
# the median of the seconds, and of the peak RSS, of a list of "seconds KB"
median() {
  local m=$(( ($# + 1) / 2 ))
  echo "$(printf '%s\n' "$@" | cut -d' ' -f1 | sort -n | sed -n "${m}p")" \
    "$(printf '%s\n' "$@" | cut -d' ' -f2 | sort -n | sed -n "${m}p")"
}
read -r cg_s cg_kb < <(median "${cg_runs[@]}")
read -r cy_s cy_kb < <(median "${cy_runs[@]}")
cg_size=$(size "$cg_db")
cy_size=$(size "$cy_db")

printf '%s sources, %s records, %s quads, backend %s, %s cores, medians of %s alternating runs\n' "$sources" "$records" "$quads" "$backend" "$(nproc)" "$runs"
printf '| loader | time | records/s | quads/s | peak RSS | size on disk |\n|---|---|---|---|---|---|\n'
row() { awk -v n="$1" -v s="$2" -v r="$records" -v q="$quads" -v kb="$3" -v mb="$4" \
  'BEGIN { printf "| %s | %.1f s | %.0f | %.0f | %.0f MiB | %d MiB |\n", n, s, r/s, q/s, kb/1024, mb }'; }
row "claimgraph load (record text in)" "$cg_s" "$cg_kb" "$cg_size"
row "cayley load (same quads as N-Quads)" "$cy_s" "$cy_kb" "$cy_size"
awk -v a="$cg_s" -v b="$cy_s" 'BEGIN { printf "claimgraph quads/s ÷ cayley quads/s = %.2f\n", b/a }'
