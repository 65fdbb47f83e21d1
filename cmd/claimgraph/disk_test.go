package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"claimgraph/loader/gen"
)

// TestFullDisk loads a corpus into a store on a 2 MiB tmpfs: the load must
// fail with a clear error naming the cause, the store must still open, and
// it must hold only whole records (each equal to the same record loaded
// on a roomy disk). It needs root to mount the tmpfs, and skips without.
func TestFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	os.Mkdir(mnt, 0o755)
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	defer syscall.Unmount(mnt, 0)
	corpus := filepath.Join(dir, "corpus")
	if err := gen.Write(corpus, gen.Config{Sources: 1500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.db")
	if out, err := child("load", "--db", ref, corpus).CombinedOutput(); err != nil {
		t.Fatalf("load on a roomy disk: %v\n%s", err, out)
	}
	db := filepath.Join(mnt, "kb.db")
	out, err := child("load", "--batch", "200", "--db", db, corpus).CombinedOutput()
	if err == nil {
		t.Fatalf("a load that cannot fit in 2 MiB succeeded:\n%s", out)
	}
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "no space left on device") || !strings.Contains(string(out), "records written before are whole") {
		t.Errorf("the error does not name the cause:\n%s", out)
	}
	got := byRecord(t, db) // fails the test if the store does not open
	want := byRecord(t, ref)
	for id, qs := range got {
		if strings.Join(qs, "\n") != strings.Join(want[id], "\n") {
			t.Fatalf("record %s is not whole after the disk filled up", id)
		}
	}
	if len(got) == 0 {
		t.Errorf("nothing was loaded before the disk filled up; the test proved little")
	}
	t.Logf("%d of %d records stored before the disk filled up", len(got), len(want))
}
