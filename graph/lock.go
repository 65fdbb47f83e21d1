package graph

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BusyError reports a store held by another process.
type BusyError struct {
	Path string
	PID  int // 0 when unknown
}

func (e *BusyError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "pid " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("store %s is busy (held by %s); wait for it to finish, or pass --wait DURATION to wait for it", e.Path, holder)
}

// fileLock is an advisory lock on a file inside the store directory. The
// kernel drops it when its holder dies, so a killed load never leaves a
// stale lock.
type fileLock struct {
	f      *os.File
	shared bool
}

const lockName = "claimgraph.lock"

// acquire takes the store's lock, retrying until wait has passed: shared
// by processes that only read, or for one process alone. Only the latter
// writes its pid in the lock file, for the BusyError of others.
func acquire(ctx context.Context, path string, wait time.Duration, shared bool) (*fileLock, error) {
	name := filepath.Join(path, lockName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock store %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		how := syscall.LOCK_EX
		if shared {
			how = syscall.LOCK_SH
		}
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("lock store %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			pid := readPID(name)
			f.Close()
			return nil, &BusyError{Path: path, PID: pid}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !shared {
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return &fileLock{f: f, shared: shared}, nil
}

func readPID(name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH {
		return 0 // left by a writer gone, while readers hold the lock
	}
	return pid
}

func (l *fileLock) release() {
	if !l.shared {
		l.f.Truncate(0) // no pid of a process gone, should readers hold it next
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
