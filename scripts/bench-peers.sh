#!/usr/bin/env bash
# Runs the benchmark queries on claimgraph and, side by side on the same
# generated corpus, on the peers that are installed: SQLite (the sqlite3
# CLI, a recursive CTE), Kuzu and Oxigraph (their npm packages, through
# scripts/peers/run.mjs; install them with (cd scripts/peers && npm install)).
# Loads claimgraph's default store (which builds its query index), exports
# the graph as CSV (claimgraph export --all --format csv; SQLite and Kuzu
# load that) and N-Quads (Oxigraph). Prints the load's time, quads/s, peak
# RSS and size on disk, each query's median of RUNS runs (default 3) and
# peak RSS, the ratios, and fails unless every engine returns the same
# number of rows.
#   scripts/bench-peers.sh [SOURCES]          (default 10000)
#   RUNS=1 PEERS=kuzu scripts/bench-peers.sh 100000   (one run, Kuzu only)
#   for n in 1000 10000 100000; do scripts/bench-peers.sh $n; done
set -euo pipefail
sources=${1:-10000}
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
go build -o "$work/claimgraph" ./cmd/claimgraph
cg() { "$work/claimgraph" "$@"; }
cg gen --sources "$sources" --seed 1 -o "$work/corpus" 2>/dev/null

now() { date +%s.%N; }
/usr/bin/time -f '%e %M' -o "$work/load.time" "$work/claimgraph" load --db "$work/cg.db" "$work/corpus" 2>"$work/load.log"
read -r cg_load cg_load_rss < "$work/load.time"
cg_quads=$(grep -o '[0-9]* quads written' "$work/load.log" | cut -d' ' -f1)
cg_size=$(du -sm "$work/cg.db" | cut -f1)
cg export --db "$work/cg.db" --all --format csv -o "$work/g" 2>/dev/null

have_sqlite=0
if command -v sqlite3 >/dev/null; then
  have_sqlite=1
  t0=$(now)
  sqlite3 "$work/g.sqlite" <<EOF
.mode csv
.import $work/g.nodes.csv nodes
.import $work/g.edges.csv edges
CREATE UNIQUE INDEX nodes_id ON nodes(id);
CREATE INDEX edges_out ON edges(type, source, target);
CREATE INDEX edges_in ON edges(type, target, source);
ANALYZE;
EOF
  t1=$(now)
  sq_load=$(echo "$t1 - $t0" | bc)
fi

# The queries: name, claimgraph's Cypher, SQLite's SQL (same meaning; the
# chain through PART_OF*0.. is a recursive CTE).
names=(product product-no-topic org-aggregate source-quotes person-quotes)
cypher=(
"MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)-[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)-[i:INTERESTED_IN]->(t:Topic)<-[:ABOUT]-(q) WHERE i.kind = 'commercial' RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight ORDER BY weight DESC"
"MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)-[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)-[i:INTERESTED_IN]->(t:Topic) WHERE i.kind = 'commercial' RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight ORDER BY weight DESC"
"MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(:Person)<-[:AUTHORED_BY]-(:Source)<-[:QUOTED_IN]-(q:Quote) RETURN o.name AS organisation, count(q) AS quotes, avg(q.weight) AS mean_weight ORDER BY quotes DESC LIMIT 10"
"MATCH (q:Quote)-[:QUOTED_IN]->(:Source {id: 'src_g42'}) RETURN q.text, q.weight"
"MATCH (q:Quote)-[:QUOTED_IN]->(:Source)-[:AUTHORED_BY]->(:Person {id: 'per_g7'}) RETURN q.text, q.weight"
)
anc="WITH RECURSIVE anc(o0, o) AS (SELECT id, id FROM nodes WHERE labels = 'Organisation'
  UNION SELECT anc.o0, e.target FROM anc JOIN edges e ON e.type = 'PART_OF' AND e.source = anc.o)"
chain="FROM edges qi JOIN nodes q ON q.id = qi.source
  JOIN edges ab ON ab.type = 'AUTHORED_BY' AND ab.source = qi.target
  JOIN nodes p ON p.id = ab.target
  JOIN edges af ON af.type = 'AFFILIATED_WITH' AND af.source = p.id
  JOIN anc ON anc.o0 = af.target
  JOIN nodes o ON o.id = anc.o
  JOIN edges ii ON ii.type = 'INTERESTED_IN' AND ii.source = anc.o AND ii.kind = 'commercial'
  JOIN nodes t ON t.id = ii.target"
sql=(
"$anc SELECT p.name, o.name, t.name, q.text, CAST(q.weight AS REAL) AS w $chain
  JOIN edges qa ON qa.type = 'ABOUT' AND qa.source = q.id AND qa.target = t.id
  WHERE qi.type = 'QUOTED_IN' ORDER BY w DESC;"
"$anc SELECT p.name, o.name, t.name, q.text, CAST(q.weight AS REAL) AS w $chain
  WHERE qi.type = 'QUOTED_IN' ORDER BY w DESC;"
"SELECT o.name, count(*) AS quotes, avg(CAST(q.weight AS REAL)) FROM edges af
  JOIN nodes o ON o.id = af.target AND o.labels = 'Organisation'
  JOIN edges ab ON ab.type = 'AUTHORED_BY' AND ab.target = af.source
  JOIN edges qi ON qi.type = 'QUOTED_IN' AND qi.target = ab.source
  JOIN nodes q ON q.id = qi.source
  WHERE af.type = 'AFFILIATED_WITH' GROUP BY o.id ORDER BY quotes DESC LIMIT 10;"
"SELECT q.text, q.weight FROM edges qi JOIN nodes q ON q.id = qi.source WHERE qi.type = 'QUOTED_IN' AND qi.target = 'src_g42';"
"SELECT q.text, q.weight FROM edges ab JOIN edges qi ON qi.type = 'QUOTED_IN' AND qi.target = ab.source
  JOIN nodes q ON q.id = qi.source WHERE ab.type = 'AUTHORED_BY' AND ab.target = 'per_g7';"
)

# median of RUNS timings of a command; prints "seconds rows peak-RSS-MiB"
# (the largest of the runs).
median() {
  local times=() rows=0 rss=0
  for _ in $(seq "$runs"); do
    local a b m
    a=$(now); rows=$(/usr/bin/time -f '%M' -o "$work/q.time" "$@" | wc -l); b=$(now)
    times+=("$(echo "$b - $a" | bc)")
    m=$(tail -1 "$work/q.time"); [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v r="$rows" -v m="$rss" '{ t[NR] = $1 } END { printf "%s %d %d\n", t[int((NR + 1) / 2)], r, m / 1024 }'
}

# Kuzu and Oxigraph run in one Node.js process each (scripts/peers/run.mjs,
# in-process medians: they have no CLI of their own here), when installed
# with (cd scripts/peers && npm install).
peers=()
want=" ${PEERS:-kuzu oxigraph} "
if [[ $want == *" kuzu "* ]] && command -v node >/dev/null && [ -d scripts/peers/node_modules/kuzu ]; then
  node scripts/peers/run.mjs kuzu "$work/g" "$runs" > "$work/kuzu.out"
  peers+=(kuzu)
fi
if [[ $want == *" oxigraph "* ]] && command -v node >/dev/null && [ -d scripts/peers/node_modules/oxigraph ]; then
  cg export --db "$work/cg.db" --all --format nquads -o "$work/g.nq" 2>/dev/null
  node scripts/peers/run.mjs oxigraph "$work/g.nq" "$runs" > "$work/oxigraph.out"
  peers+=(oxigraph)
fi
peer() { awk -v k="$2" '$1 == k { print $2, $3 }' "$work/$1.out"; }

printf '%s sources; claimgraph load %.1f s, %d quads (%.0f quads/s), peak RSS %d MiB, %d MiB on disk' \
  "$sources" "$cg_load" "$cg_quads" "$(echo "$cg_quads / $cg_load" | bc -l)" $((cg_load_rss / 1024)) "$cg_size"
[ $have_sqlite = 1 ] && printf '; SQLite %.1f s (CSV import and indexes)' "$sq_load"
for e in "${peers[@]}"; do
  printf '; %s %s s (from the export; peak RSS of its process %s MiB)' "$e" "$(peer "$e" load | cut -d' ' -f1)" "$(peer "$e" rss | cut -d' ' -f1)"
done
printf '\n\n| query | rows | claimgraph | peak RSS |'
[ $have_sqlite = 1 ] && printf ' SQLite | peak RSS | ÷ SQLite |'
for e in "${peers[@]}"; do printf ' %s (in process) | ÷ %s |' "$e" "$e"; done
printf '\n|---|---|---|---|'
[ $have_sqlite = 1 ] && printf -- '---|---|---|'
for e in "${peers[@]}"; do printf -- '---|---|'; done
printf '\n'
status=0
for i in "${!names[@]}"; do
  read -r cs cr cm < <(median "$work/claimgraph" query --db "$work/cg.db" --timeout 0 --format csv "${cypher[$i]}")
  cr=$((cr - 1)) # header
  printf '| %s | %d | %.0f ms | %d MiB |' "${names[$i]}" "$cr" "$(echo "$cs * 1000" | bc)" "$cm"
  if [ $have_sqlite = 1 ]; then
    read -r ss sr sm < <(median sqlite3 "$work/g.sqlite" "${sql[$i]}")
    printf ' %.0f ms | %d MiB | %.2f |' "$(echo "$ss * 1000" | bc)" "$sm" "$(echo "$cs / $ss" | bc -l)"
    if [ "$sr" != "$cr" ]; then echo; echo "SQLite returned $sr rows" >&2; status=1; fi
  fi
  for e in "${peers[@]}"; do
    read -r pms pr < <(peer "$e" "${names[$i]}")
    printf ' %s ms | %.2f |' "$pms" "$(echo "$cs * 1000 / $pms" | bc -l)"
    if [ "$pr" != "$cr" ]; then echo; echo "$e returned $pr rows" >&2; status=1; fi
  done
  printf '\n'
done
[ $status = 0 ] || { echo "row counts differ between engines" >&2; exit 1; }
echo "claimgraph and SQLite: whole processes (open, query, output), medians of $runs runs; Kuzu and Oxigraph: in one warm process, medians of $runs runs"
