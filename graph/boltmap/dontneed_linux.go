package boltmap

import "golang.org/x/sys/unix"

func dontNeed(addr uintptr, size int64) {
	if addr != 0 && size > 0 {
		unix.Syscall(unix.SYS_MADVISE, addr, uintptr(size), unix.MADV_DONTNEED)
	}
}
