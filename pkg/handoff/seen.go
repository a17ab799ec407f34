package handoff

import "hash/maphash"

// Target states kept per hashed target during a batch.
const (
	stNone     uint64 = 0 // not in the journal
	stStarted  uint64 = 1 // journal: sent (or about to be), no completion recorded
	stDone     uint64 = 2 // journal: completed successfully
	stFailed   uint64 = 3 // journal: failed (safe to send again)
	stUnknown  uint64 = 4 // journal: outcome unknown
	stateMask  uint64 = 7
	seenBit    uint64 = 8 // seen earlier in this run's input
	flagBits          = 4
	flagsMask  uint64 = 1<<flagBits - 1
	minSetSize        = 1 << 12
)

// targetSet is an open-addressing hash set of 60-bit target hashes, each
// slot carrying 4 bits of state: 8 bytes a target, about 16 MB for 1,000,000
// distinct targets. It is what makes deduplication and journal resumption
// possible without keeping target strings in memory. Two different targets
// collide with probability about n²/2⁶¹ (4·10⁻⁷ for a million), in which
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

func newTargetSet() *targetSet {
	s := &targetSet{seed: maphash.MakeSeed()}
	s.slots, s.free = allocSlots(minSetSize)
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
	mask := len(s.slots) - 1
	i := int(k>>flagBits) & mask
	for {
		v := s.slots[i]
		if v == 0 || v&^flagsMask == k {
			return i
		}
		i = (i + 1) & mask
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
		if (s.n+1)*4 > len(s.slots)*3 {
			s.grow()
			i = s.find(k)
		}
		s.n++
	}
	s.slots[i] = k | flags&flagsMask
}

func (s *targetSet) grow() {
	old, oldFree := s.slots, s.free
	s.slots, s.free = allocSlots(len(old) * 2)
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
