package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows a load's progress on stderr: a bar (bytes read, records,
// rate, ETA) on a terminal, a line per file with -v elsewhere, nothing
// otherwise. Messages printed through it do not tear the bar.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar
	verbose bool
	files   []string
	records atomic.Int64
	read    atomic.Int64 // bytes read so far, over all files
	cur     int
}

func newProgress(w io.Writer, files []string, verbose bool) *progress {
	p := &progress{w: w, files: files, verbose: verbose}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	var total int64
	for _, name := range files {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	return p
}

func (p *progress) file(i int, name string) {
	p.cur = i
	if p.bar != nil {
		p.describe()
	} else if p.verbose {
		fmt.Fprintf(p.w, "[%d/%d] %s\n", i+1, len(p.files), name)
	}
}

func (p *progress) describe() {
	p.bar.Describe(fmt.Sprintf("file %d/%d %s · %d records read", p.cur+1, len(p.files), filepath.Base(p.files[p.cur]), p.records.Load()))
}

func (p *progress) record() {
	if n := p.records.Add(1); p.bar != nil && n%100 == 0 {
		p.describe()
	}
}

// count wraps a file's reader to count the bytes read. The bar does not
// follow reading, which runs ahead, but the writer: see written.
func (p *progress) count(r io.Reader) io.Reader { return &countingReader{r, &p.read} }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// mark returns how far reading has got, to hand to written later.
func (p *progress) mark() int64 { return p.read.Load() }

// written moves the bar to a mark once everything read up to it is stored,
// so its rate and ETA measure the load, not the parsing.
func (p *progress) written(mark int64) {
	if p.bar != nil {
		p.bar.Set64(mark)
	}
}

func (p *progress) println(msg string) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
