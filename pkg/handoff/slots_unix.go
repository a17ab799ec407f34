//go:build unix

package handoff

import (
	"syscall"
	"unsafe"
)

// allocSlots maps n zeroed slots outside the Go heap; free unmaps them, so
// the memory goes back to the system at once.
func allocSlots(n int) ([]uint64, func([]uint64)) {
	b, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return heapSlots(n)
	}
	s := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), n)
	return s, func([]uint64) { _ = syscall.Munmap(b) }
}
