package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadSkipsWhatIsNotAFile loads a directory holding, beside a record
// file, a FIFO (no writer will ever come), a socket, a device, a dangling
// symbolic link and links to a FIFO and to a good file: the good files
// load, each of the others is named in a warning, and the load ends.
func TestLoadSkipsWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	seed, err := os.ReadFile("../../testdata/000_7e1f6717d204dd7e.txt")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "seed.txt")
	os.WriteFile(good, seed, 0o644)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(filepath.Join(dir, "pipe.txt"), 0o644))
	ln, err := net.Listen("unix", filepath.Join(dir, "sock.txt"))
	must(err)
	defer ln.Close()
	must(os.Symlink("/dev/null", filepath.Join(dir, "null.txt")))
	must(os.Symlink(filepath.Join(dir, "gone.txt"), filepath.Join(dir, "dangling.txt")))
	must(os.Symlink(filepath.Join(dir, "pipe.txt"), filepath.Join(dir, "topipe.txt")))
	other := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(other, []byte("person · researcher\nAnn Lee\nper_ann_lee\n"), 0o644)
	must(os.Symlink(other, filepath.Join(dir, "otherlink.txt")))

	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"load", "--db", filepath.Join(t.TempDir(), "kb.db"), dir}, nil, &out, &out)
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the load did not end")
	}
	text := out.String()
	if code != exitOK {
		t.Errorf("exit %d:\n%s", code, text)
	}
	for name, why := range map[string]string{
		"pipe.txt": "a FIFO", "sock.txt": "a socket", "null.txt": "a symbolic link to a device",
		"dangling.txt": "a symbolic link that leads nowhere", "topipe.txt": "a symbolic link to a FIFO",
	} {
		if want := filepath.Join(dir, name) + ": warning: skipped: " + why; !strings.Contains(text, want) {
			t.Errorf("no warning %q in:\n%s", want, text)
		}
	}
	// The seed, and the record a link leads to.
	if !strings.Contains(text, "2 added, 0 replaced, 0 unchanged, 0 failed") || !strings.Contains(text, "5 warnings") {
		t.Errorf("want the two records loaded and 5 warnings:\n%s", text)
	}
}

// TestLoadStreamObeysInterrupt: a load reading a stream that never ends (a
// FIFO whose writer keeps writing, and one that no writer opens) stops at
// Ctrl-C, keeping what was written.
func TestLoadStreamObeysInterrupt(t *testing.T) {
	for _, writer := range []bool{true, false} {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "stream")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		if writer {
			go func() {
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				defer f.Close()
				line := []byte(strings.Repeat("x", 100) + "\n")
				for {
					if _, err := f.Write(line); err != nil {
						return
					}
				}
			}()
		}
		cmd := exec.Command(os.Args[0], "load", "--db", filepath.Join(dir, "kb.db"), "--format", "text", fifo)
		cmd.Env = append(os.Environ(), asMainEnv+"=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("writer %v: the load did not stop at Ctrl-C", writer)
		}
		if !strings.Contains(out.String(), "interrupted") {
			t.Errorf("writer %v: no word of the interruption:\n%s", writer, out.String())
		}
		if !writer {
			// Let the opening left behind go.
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	}
}
