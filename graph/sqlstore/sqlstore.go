// Package sqlstore keeps a claim graph in PostgreSQL or CockroachDB, in
// the tables of Cayley's SQL backend (which creates them and serves as the
// generic quad store) and claimgraph's own: the schema's creation and
// format, the graph's lock row, batched reads and writes of quads, the
// vocabulary counts kept in step with each write, and checks.
//
// It knows quads and the claim vocabulary (package claim), not records:
// which quads a write changes is package graph's. It must not import
// package graph or anything above it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	cgraph "github.com/cayleygraph/cayley/graph"
	_ "github.com/cayleygraph/cayley/graph/sql/cockroach" // registers Cayley's "cockroach" quad store
	_ "github.com/cayleygraph/cayley/graph/sql/postgres"  // registers Cayley's "postgres" quad store
	"github.com/cayleygraph/quad"
	"github.com/cayleygraph/quad/pquads"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// DB is a claim graph kept in a PostgreSQL or CockroachDB database, in
// the tables of Cayley's SQL backend (nodes, quads). Cayley creates the
// schema and serves as the generic quad store; claimgraph adds an index on
// (label, subject), a table of its own (claimgraph_meta: format version and
// the lock row; claimgraph_counts: vocabulary counts kept in step with each
// write) and does its own reading and writing where Cayley's generic path
// costs a round trip per quad.
type DB struct {
	flavor string  // Cayley's backend name: "postgres" or "cockroach"
	addr   string  // connection URL as the drivers take it
	shown  string  // the URL without its password, for messages
	db     *sql.DB // claimgraph's own connections (pgx)
	qs     cgraph.QuadStore
	values valueCache
}

// ErrNoGraph is Open's error, without create, for a database that holds
// no claim graph.
var ErrNoGraph = errors.New("the database holds no claim graph")

// Open opens the graph in the database at dbURL, creating the schema
// where it is missing and create is set.
func Open(ctx context.Context, dbURL string, create bool) (*DB, error) {
	d, err := open(ctx, dbURL, create)
	return d, scrub(err, dbURL)
}

func open(ctx context.Context, dbURL string, create bool) (*DB, error) {
	flavor, addr, ok := sqlFlavor(dbURL)
	if !ok {
		return nil, fmt.Errorf("%s is not a postgres:// or cockroach:// URL", Redact(dbURL))
	}
	d := &DB{flavor: flavor, addr: addr, shown: Redact(dbURL)}
	var err error
	if d.db, err = sql.Open("pgx", addr); err != nil {
		return nil, fmt.Errorf("open %s: %w", d.shown, err)
	}
	fail := func(err error) (*DB, error) {
		d.db.Close()
		return nil, err
	}
	if err := d.db.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("connect to %s: %w", d.shown, err))
	}
	ok, err = d.ready(ctx)
	if err != nil {
		return fail(err)
	}
	if !ok {
		if !create {
			return fail(fmt.Errorf("open store %s: %w", d.shown, ErrNoGraph))
		}
		if err := d.create(ctx); err != nil {
			return fail(fmt.Errorf("create store %s: %w", d.shown, err))
		}
	}
	if d.qs, err = cgraph.NewQuadStore(flavor, addr, nil); err != nil {
		return fail(fmt.Errorf("open store %s: %w", d.shown, err))
	}
	return d, nil
}

// Flavor is the name of the database's Cayley backend: "postgres" or
// "cockroach".
func (d *DB) Flavor() string { return d.flavor }

// String is the database's URL without its password.
func (d *DB) String() string { return d.shown }

// QuadStore is Cayley's quad store over the database.
func (d *DB) QuadStore() cgraph.QuadStore { return d.qs }

// Close closes the database's connections.
func (d *DB) Close() error {
	err := d.qs.Close()
	if cerr := d.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Empty reports whether the database holds no quads.
func (d *DB) Empty() bool {
	var any bool
	err := d.db.QueryRow(`SELECT EXISTS (SELECT 1 FROM quads)`).Scan(&any)
	return err == nil && !any
}

// Match calls fn with every quad whose directions hold the given values.
func (d *DB) Match(ctx context.Context, fixed map[quad.Direction]quad.Value, fn func(quad.Quad) error) error {
	var conds []string
	var args []any
	for _, dir := range quad.Directions {
		v, has := fixed[dir]
		if !has {
			continue
		}
		args = append(args, hashValue(v))
		conds = append(conds, fmt.Sprintf("q.%s_hash = $%d", dir, len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return d.quads(ctx, where, args, fn)
}

// CheckReferences checks every value's reference count against the quads
// that use it: none missing, none left over.
func (d *DB) CheckReferences(ctx context.Context) error {
	var bad int
	err := d.db.QueryRowContext(ctx, `WITH used AS (
		SELECT h, count(*) AS n FROM (
			SELECT subject_hash AS h FROM quads UNION ALL SELECT predicate_hash FROM quads
			UNION ALL SELECT object_hash FROM quads UNION ALL SELECT label_hash FROM quads WHERE label_hash IS NOT NULL
		) x GROUP BY h)
		SELECT count(*) FROM nodes n FULL JOIN used u ON u.h = n.hash WHERE n.refs IS DISTINCT FROM u.n`).Scan(&bad)
	if err != nil {
		return d.readErr(err)
	}
	if bad > 0 {
		return fmt.Errorf("store %s: %d values with a wrong reference count", d.shown, bad)
	}
	return nil
}

// IsURL reports whether a --db argument names a database server rather
// than a directory.
func IsURL(db string) bool {
	_, _, ok := sqlFlavor(db)
	return ok
}

func sqlFlavor(db string) (flavor, addr string, ok bool) {
	scheme, rest, found := strings.Cut(db, "://")
	if !found {
		return "", "", false
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return "postgres", db, true
	case "cockroach", "cockroachdb":
		// CockroachDB speaks PostgreSQL's protocol; only the schema and
		// the transaction handling differ.
		return "cockroach", "postgresql://" + rest, true
	}
	return "", "", false
}

// Redact removes the passwords from a database URL: the user's, and a
// password given as a parameter. A URL that does not parse is masked from
// "://" to its last "@" and in every password parameter, so that no
// message shows a secret it was given.
func Redact(addr string) string {
	u, err := url.Parse(addr)
	if err != nil {
		addr = userInfo.ReplaceAllString(addr, "${1}xxxxx@")
		return passwordParam.ReplaceAllString(addr, "${1}xxxxx")
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

var (
	userInfo      = regexp.MustCompile(`(://[^/?#@:]*:)[^/?#]*@`)
	passwordParam = regexp.MustCompile(`(?i)((?:ssl)?password=)[^&\s]*`)
)

// secrets returns the passwords a database URL holds, to be scrubbed from
// the messages of the drivers, which may quote what they were given.
func secrets(addr string) []string {
	var out []string
	if u, err := url.Parse(addr); err == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw, url.PathEscape(pw), url.QueryEscape(pw))
		}
		for _, k := range []string{"password", "sslpassword"} {
			if v := u.Query().Get(k); v != "" {
				out = append(out, v, url.QueryEscape(v))
			}
		}
		return out
	}
	for _, m := range userInfo.FindAllStringSubmatch(addr, -1) {
		if pw := strings.TrimSuffix(strings.TrimPrefix(m[0], m[1]), "@"); pw != "" {
			out = append(out, pw)
		}
	}
	for _, m := range passwordParam.FindAllString(addr, -1) {
		if _, pw, _ := strings.Cut(m, "="); pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// scrubbed is an error whose message had a database's passwords taken
// out; it unwraps to the error it was made from.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub returns err with every secret of addr masked in its message.
func scrub(err error, addr string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, pw := range secrets(addr) {
		if strings.Contains(msg, pw) {
			msg, changed = strings.ReplaceAll(msg, pw, "xxxxx"), true
		}
	}
	if !changed {
		return err
	}
	return &scrubbed{msg, err}
}

// formatVersion is the format of claimgraph's tables that this build reads.
const formatVersion = 1

const (
	metaTable   = "claimgraph_meta"
	countsTable = "claimgraph_counts"
)

// tables returns which of the named tables exist in the current schema.
func (d *DB) tables(ctx context.Context, names ...string) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = ANY($1)`, names)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", d.shown, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// ready reports whether the database holds a claim graph, and checks its
// format.
func (d *DB) ready(ctx context.Context) (bool, error) {
	have, err := d.tables(ctx, metaTable)
	if err != nil || !have[metaTable] {
		return false, err
	}
	var format string
	err = d.db.QueryRowContext(ctx, `SELECT value FROM `+metaTable+` WHERE key = 'format'`).Scan(&format)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // creation interrupted: finish it
	}
	if err != nil {
		return false, fmt.Errorf("open store %s: %w", d.shown, err)
	}
	if format != fmt.Sprint(formatVersion) {
		return false, fmt.Errorf("open store %s: format %s, this claimgraph reads format %d", d.shown, format, formatVersion)
	}
	return true, nil
}

// create makes the schema: Cayley's tables, then claimgraph's. Concurrent
// creators queue on the lock row; the format row, written last in the same
// transaction as the lock, marks a finished creation.
func (d *DB) create(ctx context.Context) error {
	// Two processes creating the table at once may collide in the catalogue
	// even with IF NOT EXISTS; one retry settles it.
	stmt := `CREATE TABLE IF NOT EXISTS ` + metaTable + ` (key TEXT PRIMARY KEY, value TEXT NOT NULL)`
	if _, err := d.db.ExecContext(ctx, stmt); err != nil {
		if _, err := d.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO `+metaTable+` (key, value) VALUES ('lock', '') ON CONFLICT (key) DO NOTHING`); err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT value FROM `+metaTable+` WHERE key = 'lock' FOR UPDATE`); err != nil {
		return err
	}
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+metaTable+` WHERE key = 'format'`).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil // created by another process meanwhile
	}
	have, err := d.tables(ctx, "quads", "nodes")
	if err != nil {
		return err
	}
	switch {
	case have["quads"]:
		// Cayley's schema is there but claimgraph's was not finished: an
		// interrupted creation, which holds nothing, or a graph of
		// Cayley's own, which is not ours to take over.
		var any bool
		if err := d.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM quads)`).Scan(&any); err != nil {
			return err
		}
		if any {
			return errors.New("the database holds quads that claimgraph did not write (a graph of Cayley's own?); use another database or schema")
		}
	case have["nodes"]:
		return errors.New("the database has a table named nodes that is not Cayley's; use another database or schema")
	default:
		if err := cgraph.InitQuadStore(d.flavor, d.addr, nil); err != nil && !errors.Is(err, cgraph.ErrDatabaseExists) {
			return err
		}
	}
	for _, s := range []string{
		// A record's quads are found by their label, its node.
		`CREATE INDEX IF NOT EXISTS quads_label_subject ON quads (label_hash, subject_hash)`,
		// Cayley's foreign keys cost four lookups for every quad inserted
		// (most of a load's time); claimgraph writes a quad's values in
		// the same transaction, and Verify checks that none is missing.
		`ALTER TABLE quads DROP CONSTRAINT IF EXISTS subject_hash_fk`,
		`ALTER TABLE quads DROP CONSTRAINT IF EXISTS predicate_hash_fk`,
		`ALTER TABLE quads DROP CONSTRAINT IF EXISTS object_hash_fk`,
		`ALTER TABLE quads DROP CONSTRAINT IF EXISTS label_hash_fk`,
		// Lookups by object use (object, predicate, subject); a second
		// index led by the object only slows every insert.
		`DROP INDEX IF EXISTS osp_index`,
		`CREATE TABLE IF NOT EXISTS ` + countsTable + ` (kind TEXT NOT NULL, name TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (kind, name))`,
	} {
		// CockroachDB advises against schema changes inside a transaction
		// that also writes (Cayley creates its tables outside one there).
		var err error
		if d.flavor == "cockroach" {
			_, err = d.db.ExecContext(ctx, s)
		} else {
			_, err = tx.ExecContext(ctx, s)
		}
		if err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+metaTable+` (key, value) VALUES ('format', $1)`, fmt.Sprint(formatVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// Lock takes the graph's lock row: shared for a read, exclusive for a
// write. Writers queue behind each other and behind running reads; a read
// waits for the write in progress, so it sees whole batches only. The lock
// is held by an open transaction and goes with its connection, so a killed
// process never leaves it behind.
func (d *DB) Lock(ctx context.Context, exclusive bool) (func(), error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lock store %s: %w", d.shown, err)
	}
	mode := "SHARE"
	if exclusive {
		mode = "UPDATE"
	}
	if _, err := tx.ExecContext(ctx, `SELECT value FROM `+metaTable+` WHERE key = 'lock' FOR `+mode); err != nil {
		tx.Rollback()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("lock store %s: %w", d.shown, err)
	}
	return func() { tx.Rollback() }, nil
}

// nodeColumns are the value columns of Cayley's nodes table, in the order
// scanValue reads them.
const nodeColumns = "value, value_string, datatype, language, iri, bnode, value_int, value_bool, value_float, value_time"

// nodeValue holds one row's columns of the nodes table.
type nodeValue struct {
	data   []byte
	str    sql.NullString
	typ    sql.NullString
	lang   sql.NullString
	iri    sql.NullBool
	bnode  sql.NullBool
	vint   sql.NullInt64
	vbool  sql.NullBool
	vfloat sql.NullFloat64
	vtime  sql.NullTime
}

func (n *nodeValue) dest() []any {
	return []any{&n.data, &n.str, &n.typ, &n.lang, &n.iri, &n.bnode, &n.vint, &n.vbool, &n.vfloat, &n.vtime}
}

// value decodes the columns as claimgraph writes them: like Cayley's SQL
// store, but strings Cayley would escape are in the value column (see
// nodeValues), so text columns are taken as they are.
func (n *nodeValue) value() (quad.Value, error) {
	switch {
	case n.str.Valid:
		switch {
		case n.iri.Bool:
			return quad.IRI(n.str.String), nil
		case n.bnode.Bool:
			return quad.BNode(n.str.String), nil
		case n.lang.Valid:
			return quad.LangString{Value: quad.String(n.str.String), Lang: n.lang.String}, nil
		case n.typ.Valid:
			return quad.TypedString{Value: quad.String(n.str.String), Type: quad.IRI(n.typ.String)}, nil
		}
		return quad.String(n.str.String), nil
	case n.vint.Valid:
		return quad.Int(n.vint.Int64), nil
	case n.vbool.Valid:
		return quad.Bool(n.vbool.Bool), nil
	case n.vfloat.Valid:
		return quad.Float(n.vfloat.Float64), nil
	case n.vtime.Valid:
		return quad.Time(n.vtime.Time.UTC()), nil
	case n.data == nil:
		return nil, nil // no label
	}
	return pquads.UnmarshalValue(n.data)
}

// quads reads the quads that match a condition on the quads table (alias
// q) and calls fn with each. Rows carry the four values' hashes only; the
// values are looked up in the nodes table for a few thousand rows at a
// time, and kept: a value's hash never changes its meaning, and most
// values (predicates, labels, hub nodes) recur.
func (d *DB) quads(ctx context.Context, where string, args []any, fn func(quad.Quad) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT q.subject_hash, q.predicate_hash, q.object_hash, q.label_hash FROM quads q`+where, args...)
	if err != nil {
		return d.readErr(err)
	}
	defer rows.Close()
	// Chunks start small, so that a reader that stops early (a sample, a
	// LIMIT) resolves few values, and grow for long scans.
	chunk := 64
	batch := make([][4][]byte, 0, 4096)
	emit := func() error {
		if err := d.resolve(ctx, batch); err != nil {
			return err
		}
		for _, h := range batch {
			var q quad.Quad
			for i, dir := range quad.Directions {
				if h[i] != nil {
					q.Set(dir, d.values.get(string(h[i])))
				}
			}
			if err := fn(q); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		var h [4][]byte
		if err := rows.Scan(&h[0], &h[1], &h[2], &h[3]); err != nil {
			return d.readErr(err)
		}
		batch = append(batch, h)
		if len(batch) == chunk {
			if err := emit(); err != nil {
				return err
			}
			chunk = min(2*chunk, 4096)
		}
	}
	if err := rows.Err(); err != nil {
		return d.readErr(err)
	}
	return emit()
}

// valueCache maps value hashes to values.
type valueCache struct {
	mu sync.Mutex
	m  map[string]quad.Value
}

// maxCachedValues bounds the value cache; it starts afresh when full.
const maxCachedValues = 1 << 20

func (c *valueCache) get(h string) quad.Value {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[h]
}

// resolve makes sure the values of the hashes are in the cache.
func (d *DB) resolve(ctx context.Context, batch [][4][]byte) error {
	var missing [][]byte
	seen := map[string]bool{}
	d.values.mu.Lock()
	if d.values.m == nil || len(d.values.m) > maxCachedValues {
		d.values.m = map[string]quad.Value{}
	}
	for _, hs := range batch {
		for _, h := range hs {
			if h == nil || seen[string(h)] {
				continue
			}
			seen[string(h)] = true
			if _, ok := d.values.m[string(h)]; !ok {
				missing = append(missing, h)
			}
		}
	}
	d.values.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	rows, err := d.db.QueryContext(ctx, `SELECT hash, `+nodeColumns+` FROM nodes WHERE hash = ANY($1::bytea[])`, missing)
	if err != nil {
		return d.readErr(err)
	}
	defer rows.Close()
	found := map[string]quad.Value{}
	for rows.Next() {
		var h []byte
		var n nodeValue
		if err := rows.Scan(append([]any{&h}, n.dest()...)...); err != nil {
			return d.readErr(err)
		}
		v, err := n.value()
		if err != nil {
			return d.readErr(err)
		}
		found[string(h)] = v
	}
	if err := rows.Err(); err != nil {
		return d.readErr(err)
	}
	if len(found) < len(missing) {
		return fmt.Errorf("read %s: %d values of quads are missing from the nodes table: the store is damaged", d.shown, len(missing)-len(found))
	}
	d.values.mu.Lock()
	for h, v := range found {
		d.values.m[h] = v
	}
	d.values.mu.Unlock()
	return nil
}

func (d *DB) readErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("read %s: %w", d.shown, err)
}

// retryable reports a transaction the server aborted so that it can be
// tried again: a serialisation failure or a deadlock. CockroachDB reports
// contention this way as a matter of course.
func retryable(err error) bool {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState() == "40001" || e.SQLState() == "40P01"
	}
	return false
}

// backoff waits before retry attempt n.
func backoff(ctx context.Context, n int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(n*n) * 20 * time.Millisecond):
		return nil
	}
}

// MatchAny calls fn with each quad whose direction dir holds one of
// values and whose other directions hold the fixed values, in queries of
// up to 10,000 values each.
func (d *DB) MatchAny(ctx context.Context, dir quad.Direction, values []quad.Value, fixed map[quad.Direction]quad.Value, fn func(quad.Quad)) error {
	const chunk = 10000
	for start := 0; start < len(values); start += chunk {
		part := values[start:min(start+chunk, len(values))]
		hashes := make([][]byte, len(part))
		for i, v := range part {
			hashes[i] = hashValue(v)
		}
		args := []any{hashes}
		where := fmt.Sprintf(" WHERE q.%s_hash = ANY($1::bytea[])", dir)
		for _, fd := range quad.Directions {
			if v, ok := fixed[fd]; ok {
				args = append(args, hashValue(v))
				where += fmt.Sprintf(" AND q.%s_hash = $%d", fd, len(args))
			}
		}
		if err := d.quads(ctx, where, args, func(q quad.Quad) error { fn(q); return nil }); err != nil {
			return err
		}
	}
	return nil
}
