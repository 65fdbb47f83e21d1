#!/usr/bin/env bash
# Measures the benchmark queries (query.BenchQueries: the product query with
# and without the topic join, quotes and mean weight per organisation, the
# quotes of one source and of one person) on generated corpora, warm
# process, and prints a table of rows and milliseconds per run.
#   scripts/bench-query.sh [SOURCES...]        (default: 1000 10000)
#   BENCHTIME=1x scripts/bench-query.sh 100000  (one run each; the default
#     is 10, whose mean includes the first run's decoding of what later
#     runs of the process reuse)
#   INDEX=false scripts/bench-query.sh          (through Cayley's indexes,
#     without the query index)
#   BACKEND=postgres scripts/bench-query.sh     (in PostgreSQL: needs
#     $CLAIMGRAPH_TEST_POSTGRES, e.g. eval "$(scripts/pg-start.sh)")
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
printf '| sources | query | rows | ms/run |\n|---|---|---|---|\n'
for n in "${sizes[@]}"; do
  go test ./query -run '^$' -bench '^BenchmarkQueries$' -benchtime "${BENCHTIME:-10x}" -timeout 6h -bench.sources "$n" -bench.backend "${BACKEND:-bbolt}" -bench.index="${INDEX:-true}" |
    awk -v n="$n" '/^BenchmarkQueries\// {
      split($1, a, "/"); name = a[2]; sub(/-[0-9]+$/, "", name)
      for (i = 1; i <= NF; i++) { if ($i == "ns/op") ns = $(i-1); if ($i == "rows") rows = $(i-1) }
      ms = ns / 1e6; f = ms < 1 ? "%.3f" : "%.1f"
      printf "| %s | %s | %d | " f " |\n", n, name, rows, ms }'
done
