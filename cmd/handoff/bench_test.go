package main

import (
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// BenchmarkStartup runs `handoff --version` beside a bare Cobra program
// (testdata/barecobra) built the same way in the same run, interleaved, and
// reports the medians and their ratio (target: at most 1.5).
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	handoff := filepath.Join(dir, "handoff")
	bare := filepath.Join(dir, "bare")
	for _, c := range []struct{ out, pkg string }{{handoff, "."}, {bare, "./testdata/barecobra"}} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", c.out, c.pkg)
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", c.pkg, err, out)
		}
	}
	run := func(bin string) time.Duration {
		t0 := time.Now()
		if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil {
			b.Fatalf("%s --version: %v\n%s", bin, err, out)
		}
		return time.Since(t0)
	}
	run(handoff) // page the binaries in
	run(bare)
	const rounds = 40
	var h, c []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			if r%2 == 0 {
				h = append(h, run(handoff))
				c = append(c, run(bare))
			} else {
				c = append(c, run(bare))
				h = append(h, run(handoff))
			}
		}
	}
	mh, mc := median(h), median(c)
	b.ReportMetric(float64(mh.Microseconds())/1000, "handoff-ms")
	b.ReportMetric(float64(mc.Microseconds())/1000, "cobra-ms")
	b.ReportMetric(float64(mh)/float64(mc), "handoff/cobra")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
