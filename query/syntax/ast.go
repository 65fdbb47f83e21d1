package syntax

import "github.com/alecthomas/participle/v2/lexer"

// Query is one statement.
type Query struct {
	Pos     lexer.Position
	Explain string    `parser:"@( \"EXPLAIN\" | \"PROFILE\" )?"`
	Clauses []*Clause `parser:"@@+ \";\"?"`
}

// Clause is one of MATCH, UNWIND, WITH or RETURN.
type Clause struct {
	Pos    lexer.Position
	Match  *Match  `parser:"  @@"`
	Unwind *Unwind `parser:"| @@"`
	With   *With   `parser:"| @@"`
	Return *Return `parser:"| @@"`
}

// Match is [OPTIONAL] MATCH patterns [WHERE expr].
type Match struct {
	Pos      lexer.Position
	Optional bool       `parser:"@\"OPTIONAL\"? \"MATCH\""`
	Patterns []*Pattern `parser:"@@ ( \",\" @@ )*"`
	Where    *Expr      `parser:"( \"WHERE\" @@ )?"`
}

// Unwind is UNWIND expr AS var.
type Unwind struct {
	Pos  lexer.Position
	Expr *Expr  `parser:"\"UNWIND\" @@"`
	As   string `parser:"\"AS\" @Ident"`
}

// With projects, aggregates and filters between query parts.
type With struct {
	Pos   lexer.Position
	Proj  *Projection `parser:"\"WITH\" @@"`
	Where *Expr       `parser:"( \"WHERE\" @@ )?"`
}

// Return ends a query.
type Return struct {
	Pos  lexer.Position
	Proj *Projection `parser:"\"RETURN\" @@"`
}

// Projection is the body shared by WITH and RETURN.
type Projection struct {
	Pos      lexer.Position
	Distinct bool        `parser:"@\"DISTINCT\"?"`
	Star     bool        `parser:"( @\"*\""`
	Items    []*ProjItem `parser:"  | @@ ( \",\" @@ )* )"`
	Order    []*SortItem `parser:"( \"ORDER\" \"BY\" @@ ( \",\" @@ )* )?"`
	Skip     *Expr       `parser:"( \"SKIP\" @@ )?"`
	Limit    *Expr       `parser:"( \"LIMIT\" @@ )?"`
}

// ProjItem is expr [AS name].
type ProjItem struct {
	Pos  lexer.Position
	Expr *Expr  `parser:"@@"`
	As   string `parser:"( \"AS\" @Ident )?"`
	// Text is the expression as written, the column name when AS is absent.
	Text   string
	EndPos lexer.Position
}

// SortItem is one ORDER BY key.
type SortItem struct {
	Pos  lexer.Position
	Expr *Expr  `parser:"@@"`
	Dir  string `parser:"@( \"ASCENDING\" | \"ASC\" | \"DESCENDING\" | \"DESC\" )?"`
	// Text is the key's expression as written.
	Text   string
	EndPos lexer.Position
}

// Pattern is [var =] (node) (-[rel]- (node))*.
type Pattern struct {
	Pos   lexer.Position
	Var   string      `parser:"( @Ident \"=\" )?"`
	Start *NodePat    `parser:"@@"`
	Steps []*PathStep `parser:"@@*"`
}

// PathStep is one relationship and the node after it.
type PathStep struct {
	Pos  lexer.Position
	Rel  *RelPat  `parser:"@@"`
	Node *NodePat `parser:"@@"`
}

// NodePat is (var:Label:Label {props}).
type NodePat struct {
	Pos    lexer.Position
	Var    string   `parser:"\"(\" @Ident?"`
	Labels []string `parser:"( \":\" @Ident )*"`
	Props  *MapLit  `parser:"@@? \")\""`
}

// RelPat is <-[var:A|B*1..3 {props}]-> with either arrow or none.
type RelPat struct {
	Pos   lexer.Position
	Left  bool       `parser:"( @\"<-\" | \"-\" )"`
	Var   string     `parser:"( \"[\" @Ident?"`
	Types []string   `parser:"    ( \":\" @Ident ( \"|\" \":\"? @Ident )* )?"`
	Range *RangeSpec `parser:"    @@?"`
	Props *MapLit    `parser:"    @@? \"]\" )?"`
	Right bool       `parser:"( @\"->\" | \"-\" )"`
}

// RangeSpec is the * of a variable-length relationship.
type RangeSpec struct {
	Pos  lexer.Position
	Star bool `parser:"@\"*\""`
	Min  *int `parser:"@Int?"`
	Dots bool `parser:"@\"..\"?"`
	Max  *int `parser:"@Int?"`
}

// Expr is an expression; the levels below encode precedence, loosest first.
type Expr struct {
	Pos  lexer.Position
	Left *XorExpr   `parser:"@@"`
	Or   []*XorExpr `parser:"( \"OR\" @@ )*"`
}

type XorExpr struct {
	Pos  lexer.Position
	Left *AndExpr   `parser:"@@"`
	Xor  []*AndExpr `parser:"( \"XOR\" @@ )*"`
}

type AndExpr struct {
	Pos  lexer.Position
	Left *NotExpr   `parser:"@@"`
	And  []*NotExpr `parser:"( \"AND\" @@ )*"`
}

type NotExpr struct {
	Pos  lexer.Position
	Nots []string  `parser:"@\"NOT\"*"`
	Expr *CompExpr `parser:"@@"`
}

// CompExpr chains comparisons: a < b < c means a < b AND b < c.
type CompExpr struct {
	Pos  lexer.Position
	Left *PredExpr `parser:"@@"`
	Ops  []*CompOp `parser:"@@*"`
}

type CompOp struct {
	Pos   lexer.Position
	Op    string    `parser:"@( \"=~\" | \"<>\" | \"<=\" | \">=\" | \"=\" | \"<\" | \">\" )"`
	Right *PredExpr `parser:"@@"`
}

// PredExpr is an additive expression followed by IS NULL, IN, STARTS WITH,
// ENDS WITH or CONTAINS tests.
type PredExpr struct {
	Pos  lexer.Position
	Left *AddExpr      `parser:"@@"`
	Ops  []*PredSuffix `parser:"@@*"`
}

type PredSuffix struct {
	Pos        lexer.Position
	IsNull     bool     `parser:"(   \"IS\" ( @\"NULL\""`
	IsNotNull  bool     `parser:"           | @( \"NOT\" \"NULL\" ) )"`
	In         *AddExpr `parser:"  | \"IN\" @@"`
	StartsWith *AddExpr `parser:"  | \"STARTS\" \"WITH\" @@"`
	EndsWith   *AddExpr `parser:"  | \"ENDS\" \"WITH\" @@"`
	Contains   *AddExpr `parser:"  | \"CONTAINS\" @@ )"`
}

type AddExpr struct {
	Pos  lexer.Position
	Left *MulExpr `parser:"@@"`
	Ops  []*AddOp `parser:"@@*"`
}

type AddOp struct {
	Pos   lexer.Position
	Op    string   `parser:"@( \"+\" | \"-\" )"`
	Right *MulExpr `parser:"@@"`
}

type MulExpr struct {
	Pos  lexer.Position
	Left *PowExpr `parser:"@@"`
	Ops  []*MulOp `parser:"@@*"`
}

type MulOp struct {
	Pos   lexer.Position
	Op    string   `parser:"@( \"*\" | \"/\" | \"%\" )"`
	Right *PowExpr `parser:"@@"`
}

type PowExpr struct {
	Pos  lexer.Position
	Left *UnaryExpr   `parser:"@@"`
	Pow  []*UnaryExpr `parser:"( \"^\" @@ )*"`
}

type UnaryExpr struct {
	Pos   lexer.Position
	Signs []string     `parser:"@( \"-\" | \"+\" )*"`
	Expr  *PostfixExpr `parser:"@@"`
}

// PostfixExpr is an atom followed by property lookups and subscripts.
type PostfixExpr struct {
	Pos      lexer.Position
	Atom     *Atom     `parser:"@@"`
	Suffixes []*Suffix `parser:"@@*"`
}

type Suffix struct {
	Pos   lexer.Position
	Prop  string `parser:"(   \".\" @Ident"`
	Index *Index `parser:"  | \"[\" @@ \"]\" )"`
}

// Index is [i] or a slice [from..to].
type Index struct {
	Pos   lexer.Position
	From  *Expr `parser:"@@?"`
	Slice bool  `parser:"@\"..\"?"`
	To    *Expr `parser:"@@?"`
}

// Atom is a literal, parameter, call, list, map, pattern predicate,
// parenthesised expression or variable.
type Atom struct {
	Pos     lexer.Position
	Float   *float64 `parser:"  @Float"`
	Int     *int64   `parser:"| @Int"`
	String  *string  `parser:"| @String"`
	True    bool     `parser:"| @\"TRUE\""`
	False   bool     `parser:"| @\"FALSE\""`
	Null    bool     `parser:"| @\"NULL\""`
	Param   string   `parser:"| @Param"`
	Count   bool     `parser:"| @( \"COUNT\" \"(\" \"*\" \")\" )"`
	Call    *Call    `parser:"| @@"`
	List    *ListLit `parser:"| @@"`
	Map     *MapLit  `parser:"| @@"`
	Pattern *Pattern `parser:"| @@"`
	Paren   *Expr    `parser:"| \"(\" @@ \")\""`
	Var     string   `parser:"| @Ident"`
}

// Call is name([DISTINCT] args).
type Call struct {
	Pos      lexer.Position
	Name     string  `parser:"@Ident \"(\""`
	Distinct bool    `parser:"@\"DISTINCT\"?"`
	Args     []*Expr `parser:"( @@ ( \",\" @@ )* )? \")\""`
}

type ListLit struct {
	Pos   lexer.Position
	Items []*Expr `parser:"\"[\" ( @@ ( \",\" @@ )* )? \"]\""`
}

type MapLit struct {
	Pos     lexer.Position
	Entries []*MapEntry `parser:"\"{\" ( @@ ( \",\" @@ )* )? \"}\""`
}

type MapEntry struct {
	Pos   lexer.Position
	Key   string `parser:"@Ident \":\""`
	Value *Expr  `parser:"@@"`
}
