package handoff

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzTargetReader holds the CSV reader to encoding/csv (RFC 4180, leading
// space trimmed) on every input both can read, and to its own promises on
// every input: no panic, line numbers that only go up, a structural error
// only where encoding/csv fails too, nothing after a structural error.
// Seeds: testdata/fuzz/FuzzTargetReader.
func FuzzTargetReader(f *testing.F) {
	for _, s := range []string{
		"15550000001\n15550000002\n",
		"x,15550000001\n\"a, b\",\" 15550000002\"\n",
		"\"a\nb\",15550000001\n",
		"\"15550000040\n15550000001\n15550000002\n",
		"y,\"1555\"\"0000001\"\n",
		"y,1555\"0000001\n",
		"  \n\n,\n \" x\" ,15550000001\r\n",
		"y,\"15550000001\"x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		in := "a,target\n" + body
		tr := newTargetReader(strings.NewReader(in))
		var got []inputItem
		var ourErr error
		last := 0
		for {
			it, err := tr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v is not an InputError", err)
				}
				ourErr = err
				if _, err := tr.next(); err == nil {
					t.Fatal("read on after a structural error")
				}
				break
			}
			if it.line <= last {
				t.Fatalf("line %d after line %d", it.line, last)
			}
			last = it.line
			got = append(got, it)
		}

		r := csv.NewReader(strings.NewReader(body))
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		var want []string
		var csvErr error
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				csvErr = err
				break
			}
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && !strings.Contains(rec[0], "\n") {
				continue
			}
			v := ""
			if len(rec) > 1 {
				v = rec[1]
			}
			want = append(want, v)
		}
		if csvErr != nil {
			return // we are more lenient (stray quotes outside the target field)
		}
		if ourErr != nil {
			t.Fatalf("encoding/csv reads %q; we fail: %v", body, ourErr)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d records, encoding/csv %d (%q vs %v)", body, len(got), len(want), want, got)
		}
		for i := range want {
			if strings.ContainsAny(want[i], "\r\n") {
				continue // line breaks inside a quoted field: not a target anyway
			}
			if got[i].raw != strings.TrimSpace(want[i]) || got[i].bad != "" {
				t.Fatalf("%q: record %d is %+v, encoding/csv %q", body, i, got[i], want[i])
			}
		}
	})
}
