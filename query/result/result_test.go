package result

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"claimgraph/query/value"
)

// TestFormats writes the same rows in every format.
func TestFormats(t *testing.T) {
	cols := []string{"name", "weight", "aliases"}
	rows := [][]value.Value{
		{"Mark Zuckerberg", 0.9, []value.Value{"Zuck"}},
		{"line\nbreak", int64(1), nil},
	}
	want := map[string]string{
		"table": "name             weight  aliases\n" +
			"---------------  ------  --------\n" +
			"Mark Zuckerberg  0.9     [\"Zuck\"]\n" +
			"line break       1       null\n" +
			"(2 rows)\n",
		"json": "[\n  {\"name\":\"Mark Zuckerberg\",\"weight\":0.9,\"aliases\":[\"Zuck\"]},\n" +
			"  {\"name\":\"line\\nbreak\",\"weight\":1,\"aliases\":null}\n]\n",
		"jsonl": "{\"name\":\"Mark Zuckerberg\",\"weight\":0.9,\"aliases\":[\"Zuck\"]}\n" +
			"{\"name\":\"line\\nbreak\",\"weight\":1,\"aliases\":null}\n",
		"csv": "name,weight,aliases\nMark Zuckerberg,0.9,\"[\"\"Zuck\"\"]\"\n\"line\nbreak\",1,\n",
		"tsv": "name\tweight\taliases\nMark Zuckerberg\t0.9\t\"[\"\"Zuck\"\"]\"\n\"line\nbreak\"\t1\t\n",
	}
	for _, f := range Formats {
		var b strings.Builder
		w := NewWriter(f, &b, cols, Options{})
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[f], b.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", f, diff)
		}
		if w.Rows() != len(rows) {
			t.Errorf("%s: Rows() = %d", f, w.Rows())
		}
	}
}
