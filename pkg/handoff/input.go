package handoff

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/handoff-dev/handoff/pkg/exitcode"
)

// InputError is a batch input that cannot be read at all (exit 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return "reading the input: " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }
func (e *InputError) ExitCode() int { return exitcode.Usage }

// maxLine bounds one input line; longer lines are an input error.
const maxLine = 64 << 10

// inputItem is one target as read, before parsing.
type inputItem struct {
	line int
	raw  string
	bad  string // why the record's target field is malformed ("" when it is not)
	// vars are the row's placeholder values (reason, summary, name columns).
	vars map[string]string
}

// targetReader streams targets out of a CSV file whose header names a
// "target" or "conversation" column (other columns ignored), or out of a
// plain list with one target per line (blank lines and # comments
// skipped). Nothing is held beyond the current line.
type targetReader struct {
	br   *bufio.Reader
	col  int
	line int
	hdr  int // line of the CSV header
	// first is the first line in plain mode, given back by the next call.
	first   *inputItem
	started bool
	format  string
	columns []string       // the CSV header's names, lower-cased (nil: plain list)
	varCols map[int]string // column index → placeholder (reason, summary, name)
}

func newTargetReader(r io.Reader) *targetReader {
	return &targetReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Format is "csv" or "lines" once the first line has been read.
func (t *targetReader) Format() string { return t.format }

func (t *targetReader) readLine() (string, error) {
	var buf []byte
	for {
		chunk, err := t.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxLine {
			return "", &InputError{fmt.Errorf("line %d is longer than %d bytes; nothing from this line on was read", t.line+1, maxLine)}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || len(buf) == 0) {
			return "", err
		}
		t.line++
		return strings.TrimRight(string(buf), "\r\n"), nil
	}
}

// start reads the first meaningful line and picks the format.
func (t *targetReader) start() error {
	t.started = true
	for {
		s, err := t.readLine()
		if err == io.EOF {
			t.format = "lines"
			return nil
		}
		if err != nil {
			return err
		}
		if t.line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		trimmed := strings.TrimSpace(s)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if col, ok := headerColumn(trimmed); ok {
			t.format, t.col, t.hdr = "csv", col, t.line
			t.columns = headerNames(trimmed)
			for i, c := range t.columns {
				if i != col && (c == "reason" || c == "summary" || c == "name") {
					if t.varCols == nil {
						t.varCols = map[int]string{}
					}
					t.varCols[i] = c
				}
			}
			return nil
		}
		if strings.Contains(trimmed, ",") && !looksLikeTarget(trimmed) {
			return &InputError{fmt.Errorf(`line %d looks like a CSV header, but no column is named "target" or "conversation"`, t.line)}
		}
		t.format = "lines"
		t.first = &inputItem{line: t.line, raw: trimmed}
		return nil
	}
}

// headerColumn recognises a header line naming the target column.
func headerColumn(line string) (int, bool) {
	r := csv.NewReader(strings.NewReader(line))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return 0, false
	}
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "target", "conversation", "conversation_id", "conversation id":
			return i, true
		}
	}
	return 0, false
}

// headerNames are a header line's column names, trimmed and lower-cased.
func headerNames(line string) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.FieldsPerRecord = -1
	rec, _ := r.Read()
	out := make([]string, len(rec))
	for i, f := range rec {
		out[i] = strings.ToLower(strings.TrimSpace(f))
	}
	return out
}

// looksLikeTarget lets "+1 415 555 2671" style lines through even when a
// comma sneaks in; a CSV header has letters.
func looksLikeTarget(s string) bool {
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// CountTargets counts the targets of r the way RunBatch reads them (lines
// that are not blank or # comments, less a CSV header), for a progress
// bar's total and to size the deduplication table. It reads r to the end.
func CountTargets(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	n, seenFirst := 0, false
	var head []byte // the start of the current line (enough to classify it)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(head) < 1024 {
			head = append(head, chunk[:min(len(chunk), 1024)]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if t := bytes.TrimSpace(head); len(t) > 0 && t[0] != '#' {
			if !seenFirst {
				seenFirst = true
				if _, isHeader := headerColumn(string(bytes.TrimPrefix(t, []byte("\ufeff")))); isHeader {
					n--
				}
			}
			n++
		}
		head = head[:0]
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
