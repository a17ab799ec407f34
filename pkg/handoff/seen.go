package handoff

import (
	"hash/maphash"
	"math/bits"
)

// Target states kept per hashed target during a batch.
const (
	stNone         uint64 = 0 // not in the journal
	stStarted      uint64 = 1 // journal: sent (or about to be), no completion recorded
	stDone         uint64 = 2 // journal: completed successfully
	stFailed       uint64 = 3 // journal: failed (safe to send again)
	stUnknown      uint64 = 4 // journal: outcome unknown
	stateMask      uint64 = 7
	seenBit        uint64 = 8  // seen earlier in this run's input
	msgStarted     uint64 = 16 // journal: the message step was about to be sent
	msgSent        uint64 = 32 // journal: the message step was sent
	flagBits              = 6
	flagsMask      uint64 = 1<<flagBits - 1
	minSetSize            = 1 << 12
	maxLoadPercent        = 85
)

// targetSet is an open-addressing hash set of 58-bit target hashes, each
// slot carrying 6 bits of state: 8 bytes a slot, filled up to 85%, so about
// 9.4 MB for 1,000,000 distinct targets when the size is known up front
// (growth is by half, so without a hint the table may hold up to 1.7 slots
// a target). It is what makes deduplication and journal resumption
// possible without keeping target strings in memory. Two different targets
// collide with probability about n²/2⁵⁹ (2·10⁻⁶ for a million), in which
// case the second is treated as a duplicate of the first.
//
// The slots live outside the Go heap where the platform allows (mmap), so
// the garbage collector neither scans nor doubles them; growth releases the
// old table at once. Not safe for concurrent use.
type targetSet struct {
	seed  maphash.Seed
	slots []uint64
	n     int
	free  func([]uint64)
}

// newTargetSet sizes the table for hint targets (0: unknown).
func newTargetSet(hint int) *targetSet {
	s := &targetSet{seed: maphash.MakeSeed()}
	s.slots, s.free = allocSlots(max(minSetSize, hint*100/maxLoadPercent+1))
	return s
}

func (s *targetSet) key(target string) uint64 {
	h := maphash.String(s.seed, target) &^ flagsMask
	if h == 0 {
		h = 1 << flagBits
	}
	return h
}

// find returns the index of key's slot, or of the empty slot where it goes.
func (s *targetSet) find(k uint64) int {
	n := len(s.slots)
	hi, _ := bits.Mul64(k, uint64(n)) // k scaled to [0, n): any table size works
	i := int(hi)
	for {
		v := s.slots[i]
		if v == 0 || v&^flagsMask == k {
			return i
		}
		if i++; i == n {
			i = 0
		}
	}
}

// get returns the flags of target (0 when absent).
func (s *targetSet) get(target string) uint64 {
	v := s.slots[s.find(s.key(target))]
	return v & flagsMask
}

// set replaces the flags of target, adding it when absent.
func (s *targetSet) set(target string, flags uint64) {
	k := s.key(target)
	i := s.find(k)
	if s.slots[i] == 0 {
		if (s.n+1)*100 > len(s.slots)*maxLoadPercent {
			s.grow()
			i = s.find(k)
		}
		s.n++
	}
	s.slots[i] = k | flags&flagsMask
}

func (s *targetSet) grow() {
	old, oldFree := s.slots, s.free
	s.slots, s.free = allocSlots(len(old) + len(old)/2)
	for _, v := range old {
		if v != 0 {
			s.slots[s.find(v&^flagsMask)] = v
		}
	}
	oldFree(old)
}

// Len is the number of distinct targets held.
func (s *targetSet) Len() int { return s.n }

// Bytes is the memory the table holds.
func (s *targetSet) Bytes() int { return len(s.slots) * 8 }

func (s *targetSet) release() {
	if s.slots != nil {
		s.free(s.slots)
		s.slots = nil
	}
}

func heapSlots(n int) ([]uint64, func([]uint64)) {
	return make([]uint64, n), func([]uint64) {}
}
