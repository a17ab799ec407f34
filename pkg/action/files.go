package action

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
)

// FileResult is one checked file.
type FileResult struct {
	File        string
	Doc         *Document // nil when the file could not be read
	Diagnostics []Diagnostic
}

// CheckFiles reads and checks files on workers goroutines (<= 0: one per
// CPU). Results come back in the order of files, whatever the parallelism;
// each file's diagnostics are sorted. Files that cannot be read get a
// read-error diagnostic; two files of one folder with the same action name
// get duplicate-name.
func CheckFiles(files []string, opts Options, workers int) []FileResult {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(files))
	out := make([]FileResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = CheckFile(files[i], opts)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	markDuplicateNames(out)
	return out
}

// CheckFile reads and checks one file. The document it returns is compact:
// no YAML node tree, only the action, the source and the fields' ranges.
func CheckFile(file string, opts Options) FileResult {
	data, err := readLimited(file)
	if err != nil {
		return FileResult{File: file, Diagnostics: []Diagnostic{{File: file, Line: 1, Column: 1, EndLine: 1, EndColumn: 1,
			Severity: SeverityError, Rule: RuleReadError, Message: fmt.Sprintf("cannot read the file: %v", unwrapPathErr(err))}}}
	}
	d, diags := Check(file, data, opts)
	d.compact()
	return FileResult{File: file, Doc: d, Diagnostics: diags}
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(interface{ Unwrap() error }); ok && pe.Unwrap() != nil {
		return pe.Unwrap()
	}
	return err
}

func markDuplicateNames(rs []FileResult) {
	type key struct{ dir, name string }
	first := map[key]int{}
	for i, r := range rs {
		if r.Doc == nil || r.Doc.Action == nil || r.Doc.Action.Name == "" || r.File == "-" {
			continue
		}
		k := key{filepath.Dir(r.File), r.Doc.Action.Name}
		j, dup := first[k]
		if !dup {
			first[k] = i
			continue
		}
		p := r.Doc.fieldRange("name")
		d := Diagnostic{File: r.File, Line: p[0], Column: p[1], EndLine: p[2], EndColumn: p[3], Severity: SeverityError, Rule: RuleDuplicateName,
			Message: fmt.Sprintf("action %q is also defined in %s: names must be unique in a folder", k.name, rs[j].File)}
		rs[i].Diagnostics = append(rs[i].Diagnostics, d)
		SortDiagnostics(rs[i].Diagnostics)
	}
}
