//go:build !unix

package handoff

func allocSlots(n int) ([]uint64, func([]uint64)) { return heapSlots(n) }
