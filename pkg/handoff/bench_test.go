package handoff

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// BenchmarkBatchThroughput: 2,000 targets against the sandbox answering
// after 20 ms, 16 workers, journal on. The ideal is N x latency /
// concurrency; "ideal/actual" is the fraction of it reached (1 = ideal).
func BenchmarkBatchThroughput(b *testing.B) {
	const n, conc, latency = 2000, 16, 20 * time.Millisecond
	for range b.N {
		b.StopTimer()
		w := newWatiB(b, sandbox.Options{GenerateContacts: n, Latency: latency, LogLimit: -1})
		in := targets(n, 0)
		jpath := filepath.Join(b.TempDir(), "bench.journal")
		r := &Runner{Client: w.clientB(b), Action: userAction, Account: "bench"}
		b.StartTimer()
		start := time.Now()
		sum, err := r.RunBatch(context.Background(), strings.NewReader(in), BatchOptions{Concurrency: conc, Journal: jpath, Report: io.Discard})
		el := time.Since(start)
		b.StopTimer()
		if err != nil || sum.Done != n {
			b.Fatalf("%v %+v", err, sum)
		}
		ideal := time.Duration(n) * latency / conc
		b.ReportMetric(ideal.Seconds()/el.Seconds(), "ideal/actual")
		b.ReportMetric(ideal.Seconds(), "ideal-s")
		b.ReportMetric(el.Seconds(), "actual-s")
		b.ReportMetric(float64(n)/el.Seconds(), "targets/s")
		_ = w.Close()
	}
}

// BenchmarkBatchPeakMemory runs the built binary on 10,000 targets against
// the sandbox (journal, audit log, report) and on 1,000,000 targets as a dry
// run, and reports the child's peak resident memory.
func BenchmarkBatchPeakMemory(b *testing.B) {
	bin := buildBinary(b)
	for _, c := range []struct {
		name   string
		n      int
		dryRun bool
	}{{"10k-sandbox", 10_000, false}, {"1M-dry-run", 1_000_000, true}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				endpoint := "http://127.0.0.1:9" // a dry run sends nothing
				var w *testWati
				if !c.dryRun {
					w = newWatiB(b, sandbox.Options{GenerateContacts: c.n, LogLimit: -1})
					endpoint = w.URL()
				}
				input := filepath.Join(dir, "targets.txt")
				writeTargets(b, input, c.n)
				env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_STATE_HOME="+filepath.Join(dir, "state"),
					"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "HANDOFF_DIR="+filepath.Join(dir, "actions"), "HANDOFF_NO_PROMPT=1")
				os.MkdirAll(filepath.Join(dir, "actions"), 0o755)
				os.WriteFile(filepath.Join(dir, "actions", "to-maria.yaml"), []byte("version: 1\nname: to-maria\nintent: The customer asks for Maria by name or wants their account manager.\naccount: bench\nassignee:\n  type: user\n  email: maria@acme.com\n"), 0o644)
				add := exec.Command(bin, "account", "add", "bench", "--endpoint", endpoint, "--with-token")
				add.Env, add.Stdin = env, strings.NewReader(testToken+"\n")
				if out, err := add.CombinedOutput(); err != nil {
					b.Fatalf("account add: %v\n%s", err, out)
				}
				report := filepath.Join(dir, "report.jsonl")
				if c.n > 100_000 {
					report = os.DevNull // encoded all the same, without 470 MB of disk
				}
				args := []string{"assign", "to-maria", "--from", input, "--concurrency", "16", "--report", report, "--json"}
				if c.dryRun {
					args = append(args, "--dry-run")
				}
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				b.StartTimer()
				start := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				peak := watchPeakRSS(cmd.Process.Pid)
				err := cmd.Wait()
				el := time.Since(start)
				b.StopTimer()
				if err != nil || !strings.Contains(out.String(), fmt.Sprintf(`"done": %d`, c.n)) {
					b.Fatalf("%v\n%s", err, out.String())
				}
				kb := peak()
				if kb == 0 {
					b.Skip("no /proc/PID/status on this system")
				}
				b.ReportMetric(float64(kb)/1024, "peak-MB")
				b.ReportMetric(float64(c.n)/el.Seconds(), "targets/s")
				if w != nil {
					_ = w.Close()
				}
			}
		})
	}
}

// watchPeakRSS polls the child's VmHWM (its own peak resident set, which
// starts afresh at exec) until it exits; the returned func gives the
// highest value seen, in KiB. (The rusage of a child is no good here: on
// Linux its ru_maxrss includes the parent's size at fork.)
func watchPeakRSS(pid int) func() int {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	read := func() {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				if kb > peak.Load() {
					peak.Store(kb)
				}
			}
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() int {
		close(stop)
		<-done
		return int(peak.Load())
	}
}

func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "handoff")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/handoff-dev/handoff/cmd/handoff")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeTargets(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		fmt.Fprintf(w, "%d\n", 15550000000+i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

func newWatiB(b *testing.B, opts sandbox.Options) *testWati {
	opts.Token = testToken
	s, err := sandbox.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return &testWati{s}
}

func (w *testWati) clientB(b *testing.B) *watiClient {
	c, err := newClient(w.URL(), testToken)
	if err != nil {
		b.Fatal(err)
	}
	return c
}
