// Package result writes the rows of a query in the output formats of the
// CLI, the REPL and the API: an aligned table, JSON (an array of objects),
// JSON Lines, CSV and TSV, the columns in the query's order and each value
// rendered by package value.
//
// It imports package value only; a new output format touches this package
// alone.
package result

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"claimgraph/query/value"
)

// Formats are the output formats, the table first (the default).
var Formats = []string{"table", "json", "jsonl", "csv", "tsv"}

// Options change how a Writer writes.
type Options struct {
	// Raw writes CSV cells as they are, formulas included (see SafeCell).
	Raw bool
}

// Writer writes rows in one of the output formats. Nothing is written
// for a table until Close, which aligns its columns.
type Writer struct {
	format string
	w      io.Writer
	cols   []string
	n      int
	rows   [][]string // table: held to align columns
	csv    *csv.Writer
	safe   bool // CSV cells neutralised (see SafeCell)
	json   bool
}

// NewWriter starts writing rows with the given columns to w in a format
// of Formats; any other format is a table.
func NewWriter(format string, w io.Writer, cols []string, o Options) *Writer {
	rw := &Writer{format: format, w: w, cols: cols, safe: format == "csv" && !o.Raw}
	switch format {
	case "csv", "tsv":
		rw.csv = csv.NewWriter(w)
		if format == "tsv" {
			rw.csv.Comma = '\t'
		}
		rw.csv.Write(rw.cells(cols))
	case "json":
		fmt.Fprint(w, "[")
	}
	return rw
}

// maxCell is how many characters of a value a table cell shows.
const maxCell = 100

// Row writes one row, a value per column.
func (rw *Writer) Row(vals []value.Value) error {
	rw.n++
	switch rw.format {
	case "json", "jsonl":
		obj := make(map[string]any, len(vals))
		for i, v := range vals {
			obj[rw.cols[i]] = value.JSON(v)
		}
		b, err := marshalOrdered(rw.cols, obj)
		if err != nil {
			return err
		}
		if rw.format == "json" {
			if rw.n > 1 {
				fmt.Fprint(rw.w, ",")
			}
			fmt.Fprint(rw.w, "\n  ")
			_, err = rw.w.Write(b)
			return err
		}
		_, err = fmt.Fprintf(rw.w, "%s\n", b)
		return err
	case "csv", "tsv":
		rec := make([]string, len(vals))
		for i, v := range vals {
			rec[i] = value.Text(v)
			if v == nil {
				rec[i] = ""
			}
		}
		return rw.csv.Write(rw.cells(rec))
	}
	rec := make([]string, len(vals))
	for i, v := range vals {
		s := strings.ReplaceAll(value.Text(v), "\n", " ")
		if utf8.RuneCountInString(s) > maxCell {
			s = string([]rune(s)[:maxCell-1]) + "…"
		}
		rec[i] = s
	}
	rw.rows = append(rw.rows, rec)
	return nil
}

// cells neutralises a CSV record's cells, where the writer does.
func (rw *Writer) cells(rec []string) []string {
	if !rw.safe {
		return rec
	}
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = SafeCell(c)
	}
	return out
}

// SafeCell returns a CSV cell that a spreadsheet reads as the text it
// holds: a cell starting with "=", "+", "-", "@", a tab or a carriage
// return is read as a formula by Excel, LibreOffice and Google Sheets
// (CSV injection), so it gets a leading "'", as OWASP recommends. Numbers
// ("-0.5", "+3") are left as they are: no spreadsheet runs them.
func SafeCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

// marshalOrdered writes an object with its keys in column order.
func marshalOrdered(cols []string, obj map[string]any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("{")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(c)
		v, err := json.Marshal(obj[c])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteString(":")
		b.Write(v)
	}
	b.WriteString("}")
	return []byte(b.String()), nil
}

// Close ends the output: a JSON array's bracket, a table with its row
// count. It does not close the underlying writer.
func (rw *Writer) Close() error {
	switch rw.format {
	case "json":
		if rw.n > 0 {
			fmt.Fprint(rw.w, "\n")
		}
		_, err := fmt.Fprintln(rw.w, "]")
		return err
	case "jsonl":
		return nil
	case "csv", "tsv":
		rw.csv.Flush()
		return rw.csv.Error()
	}
	tw := tabwriter.NewWriter(rw.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(rw.cols, "\t"))
	seps := make([]string, len(rw.cols))
	for i, c := range rw.cols {
		width := utf8.RuneCountInString(c)
		for _, r := range rw.rows {
			width = max(width, utf8.RuneCountInString(r[i]))
		}
		seps[i] = strings.Repeat("-", width)
	}
	fmt.Fprintln(tw, strings.Join(seps, "\t"))
	for _, r := range rw.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	noun := "rows"
	if rw.n == 1 {
		noun = "row"
	}
	_, err := fmt.Fprintf(rw.w, "(%d %s)\n", rw.n, noun)
	return err
}

// Rows is how many rows have been written.
func (rw *Writer) Rows() int { return rw.n }
