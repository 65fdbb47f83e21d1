// Runs the benchmark queries on Kuzu (Cypher) or Oxigraph (SPARQL), in
// process, on a graph exported by claimgraph, for scripts/bench-peers.sh.
//
//   node scripts/peers/run.mjs kuzu PREFIX RUNS      (PREFIX.nodes.csv, PREFIX.edges.csv)
//   node scripts/peers/run.mjs oxigraph FILE.nq RUNS
//
// Prints "load SECONDS", then "NAME MEDIAN_MS ROWS" per query, then
// "rss MiB" (the process's peak). Install the engines with
// (cd scripts/peers && npm install).
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import readline from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [engine, input, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 3);
const names = ["product", "product-no-topic", "org-aggregate", "source-quotes", "person-quotes"];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

// parseCSV reads RFC 4180 CSV (quoted fields may hold commas, quotes and
// newlines), as claimgraph's CSV export writes it.
function parseCSV(text) {
  const rows = [];
  let row = [], field = "", i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ",") { row.push(field); field = ""; i++; continue; }
    if (c === "\r") { i++; continue; }
    if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
    field += c; i++;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const header = rows.shift();
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ""])));
}

async function timed(fn) {
  const times = [];
  let rows = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    rows = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return [median(times), rows];
}

async function kuzu(prefix) {
  const kz = require("kuzu");
  const t0 = process.hrtime.bigint();
  const nodes = parseCSV(fs.readFileSync(prefix + ".nodes.csv", "utf8"));
  const edges = parseCSV(fs.readFileSync(prefix + ".edges.csv", "utf8"));
  // One node table per label, one relationship table per type, with the
  // properties the queries read; loaded with COPY from CSV files written
  // here (newlines in quote texts become spaces: Kuzu's CSV reader takes
  // one line per row).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kuzu-"));
  const q = (s) => '"' + String(s).replace(/"/g, '""').replace(/[\r\n]+/g, " ") + '"';
  const tables = {
    Quote: ["text STRING", "weight DOUBLE"], Source: [], Person: ["name STRING"],
    Organisation: ["name STRING"], Topic: ["name STRING"],
  };
  const labelOf = new Map();
  for (const [label, cols] of Object.entries(tables)) {
    const keys = cols.map((c) => c.split(" ")[0]);
    const lines = [["id", ...keys].join(",")];
    for (const n of nodes) {
      if (!n.labels.split(/;\s*/).includes(label)) continue;
      labelOf.set(n.id, label);
      lines.push([q(n.id), ...keys.map((k) => (k === "weight" ? (n[k] === "" ? "" : n[k]) : q(n[k])))].join(","));
    }
    fs.writeFileSync(path.join(tmp, label + ".csv"), lines.join("\n") + "\n");
  }
  const rels = {
    QUOTED_IN: ["Quote", "Source", []], AUTHORED_BY: ["Source", "Person", []],
    AFFILIATED_WITH: ["Person", "Organisation", []], PART_OF: ["Organisation", "Organisation", []],
    INTERESTED_IN: ["Organisation", "Topic", ["kind STRING"]], ABOUT: ["Quote", "Topic", []],
  };
  for (const [type, [from, to, cols]] of Object.entries(rels)) {
    const keys = cols.map((c) => c.split(" ")[0]);
    const lines = [["from", "to", ...keys].join(",")];
    for (const e of edges) {
      if (e.type === type && labelOf.get(e.source) === from && labelOf.get(e.target) === to) {
        lines.push([q(e.source), q(e.target), ...keys.map((k) => q(e[k]))].join(","));
      }
    }
    fs.writeFileSync(path.join(tmp, type + ".csv"), lines.join("\n") + "\n");
  }
  const db = new kz.Database(path.join(tmp, "db"));
  const conn = new kz.Connection(db);
  for (const [label, cols] of Object.entries(tables)) {
    await conn.query(`CREATE NODE TABLE ${label}(id STRING${cols.map((c) => ", " + c).join("")}, PRIMARY KEY(id))`);
    await conn.query(`COPY ${label} FROM '${path.join(tmp, label + ".csv")}' (HEADER=true)`);
  }
  for (const [type, [from, to, cols]] of Object.entries(rels)) {
    await conn.query(`CREATE REL TABLE ${type}(FROM ${from} TO ${to}${cols.map((c) => ", " + c).join("")})`);
    await conn.query(`COPY ${type} FROM '${path.join(tmp, type + ".csv")}' (HEADER=true)`);
  }
  console.log("load", (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2));
  const chain = `MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)-[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..30]->(o:Organisation)-[i:INTERESTED_IN]->(t:Topic)`;
  const ret = `WHERE i.kind = 'commercial' RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight ORDER BY weight DESC`;
  const queries = [
    `${chain}, (t)<-[:ABOUT]-(q) ${ret}`,
    `${chain} ${ret}`,
    `MATCH (o:Organisation)<-[:AFFILIATED_WITH]-(:Person)<-[:AUTHORED_BY]-(:Source)<-[:QUOTED_IN]-(q:Quote) RETURN o.name AS organisation, count(q) AS quotes, avg(q.weight) AS mean_weight ORDER BY quotes DESC LIMIT 10`,
    `MATCH (q:Quote)-[:QUOTED_IN]->(:Source {id: 'src_g42'}) RETURN q.text, q.weight`,
    `MATCH (q:Quote)-[:QUOTED_IN]->(:Source)-[:AUTHORED_BY]->(:Person {id: 'per_g7'}) RETURN q.text, q.weight`,
  ];
  for (let k = 0; k < names.length; k++) {
    const [ms, rows] = await timed(async () => (await (await conn.query(queries[k])).getAll()).length);
    console.log(names[k], ms.toFixed(1), rows);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function oxigraph(file) {
  const ox = require("oxigraph");
  const t0 = process.hrtime.bigint();
  // The export's quads name the record in their graph; the queries ask
  // about the facts, so they go into the default graph once each.
  // Read line by line and loaded in chunks: a 100k export is larger than
  // the largest string Node.js holds.
  const seen = new Set();
  const store = new ox.Store();
  let chunk = [];
  const flush = () => {
    store.load(chunk.join("\n"), { format: "application/n-triples" });
    chunk = [];
  };
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    const m = line.match(/^(.*) <[^<>]*> \.$/);
    if (!m) continue;
    const t = m[1] + " .";
    if (!seen.has(t)) {
      seen.add(t);
      chunk.push(t);
      if (chunk.length >= 100000) flush();
    }
  }
  flush();
  console.log("load", (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2));
  const T = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
  const chain = `?q ${T} <cg:Quote> ; <cg:QUOTED_IN> ?s ; <cg:prop/text> ?text ; <cg:prop/weight> ?w .
    ?s ${T} <cg:Source> ; <cg:AUTHORED_BY> ?p . ?p ${T} <cg:Person> ; <cg:prop/name> ?pn ; <cg:AFFILIATED_WITH> ?ae .
    ?ae <cg:edge/to> ?o0 . ?o0 ${T} <cg:Organisation> . ?o0 <cg:PART_OF>* ?o . ?o ${T} <cg:Organisation> ; <cg:prop/name> ?on ; <cg:INTERESTED_IN> ?ie .
    ?ie <cg:edge/to> ?t ; <cg:prop/kind> "commercial" . ?t ${T} <cg:Topic> ; <cg:prop/name> ?tn .`;
  const queries = [
    `SELECT ?pn ?on ?tn ?text ?w WHERE { ${chain} ?q <cg:ABOUT> ?t . } ORDER BY DESC(?w)`,
    `SELECT ?pn ?on ?tn ?text ?w WHERE { ${chain} } ORDER BY DESC(?w)`,
    `SELECT ?on (COUNT(?q) AS ?quotes) (AVG(?w) AS ?mean) WHERE {
      ?o ${T} <cg:Organisation> ; <cg:prop/name> ?on . ?ae <cg:edge/to> ?o . ?p <cg:AFFILIATED_WITH> ?ae ; ${T} <cg:Person> .
      ?s <cg:AUTHORED_BY> ?p ; ${T} <cg:Source> . ?q <cg:QUOTED_IN> ?s ; ${T} <cg:Quote> . OPTIONAL { ?q <cg:prop/weight> ?w } }
      GROUP BY ?o ?on ORDER BY DESC(?quotes) LIMIT 10`,
    `SELECT ?text ?w WHERE { ?q ${T} <cg:Quote> ; <cg:QUOTED_IN> <cg:src_g42> . <cg:src_g42> ${T} <cg:Source> .
      OPTIONAL { ?q <cg:prop/text> ?text } OPTIONAL { ?q <cg:prop/weight> ?w } }`,
    `SELECT ?text ?w WHERE { ?q ${T} <cg:Quote> ; <cg:QUOTED_IN> ?s . ?s ${T} <cg:Source> ; <cg:AUTHORED_BY> <cg:per_g7> . <cg:per_g7> ${T} <cg:Person> .
      OPTIONAL { ?q <cg:prop/text> ?text } OPTIONAL { ?q <cg:prop/weight> ?w } }`,
  ];
  for (let k = 0; k < names.length; k++) {
    const [ms, rows] = await timed(async () => store.query(queries[k]).length);
    console.log(names[k], ms.toFixed(1), rows);
  }
}

if (engine === "kuzu") await kuzu(input);
else if (engine === "oxigraph") await oxigraph(input);
else { console.error("usage: run.mjs kuzu|oxigraph INPUT RUNS"); process.exit(2); }
console.log("rss", Math.round(process.resourceUsage().maxRSS / 1024));
