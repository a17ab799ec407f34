package action

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// genFiles writes n action files of every assignee type (one in ten with
// mistakes) and returns their paths.
func genFiles(tb testing.TB, dir string, n int) []string {
	tb.Helper()
	files := make([]string, n)
	for i := range files {
		name := fmt.Sprintf("action-%05d", i)
		var assignee string
		switch i % 4 {
		case 0:
			assignee = "  type: team\n  team: \"Billing EU\"          # the Wati team name\n  keep_teams: true\n"
		case 1:
			assignee = "  type: user\n  email: maria.lopez@acme.com\n"
		case 2:
			assignee = "  type: bot\n  bot_id: 607f1f77bcf86cd799439011   # Returns flow\n  bot_name: Returns flow\n"
		default:
			assignee = "  type: bot\n"
		}
		intent := fmt.Sprintf("The customer disputes charge %d, asks for a refund, reports being billed twice,\n  or asks to speak to a person about an invoice or a payment.", i)
		if i%10 == 9 {
			intent = "TODO" // an error, with a position
		}
		src := fmt.Sprintf("# yaml-language-server: $schema=../../docs/action.schema.json\n# Generated action %d.\nversion: 1\nname: %s\nintent: >-\n  %s\naccount: acme-prod\nassignee:\n%s",
			i, name, intent, assignee)
		p := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			tb.Fatal(err)
		}
		files[i] = p
	}
	return files
}

// floor reads and decodes every file with yaml.v3 alone, one after another.
func floor(tb testing.TB, files []string) {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var a Action
		_ = yaml.Unmarshal(data, &a)
	}
}

// BenchmarkValidate10k: validate 10,000 files with every rule and
// positions, in parallel over the CPUs, beside the floor measured in the
// same run (yaml.v3 decoding the same files into the struct, sequentially).
// Reported: floor-ms, validate-ms, validate/floor (wall time; target <= 1)
// and cpu-validate/floor (CPU time of all threads).
func BenchmarkValidate10k(b *testing.B) {
	files := genFiles(b, b.TempDir(), 10000)
	floor(b, files) // warm the page cache for both
	opts := Options{KnownAccounts: []string{"acme-prod"}, CheckFileName: true}
	var floorT, valT, floorCPU, valCPU time.Duration
	errs := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Each side starts from a collected heap, in alternating order, so
		// that neither pays for the other's garbage.
		var rs []FileResult
		for k := 0; k < 2; k++ {
			runtime.GC()
			t0, c0 := time.Now(), cpuTime()
			if (i+k)%2 == 0 {
				floor(b, files)
				floorT += time.Since(t0)
				floorCPU += cpuTime() - c0
			} else {
				rs = CheckFiles(files, opts, 0)
				valT += time.Since(t0)
				valCPU += cpuTime() - c0
			}
		}
		errs = 0
		for _, r := range rs {
			if HasErrors(r.Diagnostics) {
				errs++
			}
		}
	}
	if errs != 1000 {
		b.Fatalf("%d files with errors, want 1000", errs)
	}
	n := float64(b.N)
	b.ReportMetric(float64(floorT.Milliseconds())/n, "floor-ms")
	b.ReportMetric(float64(valT.Milliseconds())/n, "validate-ms")
	b.ReportMetric(float64(valT)/float64(floorT), "validate/floor")
	// CPU time (all threads) tells the work apart from the machine's load:
	// on an idle machine, wall time is about CPU time over the cores used.
	b.ReportMetric(float64(valCPU)/float64(floorCPU), "cpu-validate/floor")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cpus")
}

// BenchmarkCheckOne is one file through every rule (no I/O).
func BenchmarkCheckOne(b *testing.B) {
	data := []byte(strings.ReplaceAll(goodSrc, "escalate-billing", "x"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Check("x.yaml", data, Options{KnownAccounts: []string{"acme-prod"}, CheckFileName: true})
	}
}

// BenchmarkDecodeOne is yaml.v3 alone on the same file.
func BenchmarkDecodeOne(b *testing.B) {
	data := []byte(strings.ReplaceAll(goodSrc, "escalate-billing", "x"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var a Action
		_ = yaml.Unmarshal(data, &a)
	}
}
