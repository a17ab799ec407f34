package handoff

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// next returns the next target; io.EOF at the end. A CSV record without
// the column comes back with an empty raw value (reported as invalid). A
// structural error (an over-long line, a quoted field never closed or
// longer than a line may be) is an *InputError naming its line: nothing
// from there on can be read.
func (t *targetReader) next() (inputItem, error) {
	if !t.started {
		if err := t.start(); err != nil {
			return inputItem{}, err
		}
	}
	if t.first != nil {
		it := *t.first
		t.first = nil
		return it, nil
	}
	if t.format == "csv" {
		return t.nextRecord()
	}
	for {
		s, err := t.readLine()
		if err != nil {
			return inputItem{}, err
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		return inputItem{line: t.line, raw: s}, nil
	}
}

// nextRecord reads one CSV record (RFC 4180: fields separated by commas,
// double quotes around a field that holds commas, quotes ("") or line
// breaks; leading white space ignored) and keeps only the target column.
// A record, quoted line breaks included, is bounded by maxLine like a
// line, so memory stays flat whatever the input. Stray quotes in the
// target column make that record invalid (as encoding/csv would); in other
// columns they are let be.
func (t *targetReader) nextRecord() (inputItem, error) {
	for {
		line, err := t.readLine()
		if err != nil {
			return inputItem{}, err
		}
		start := t.line
		it := inputItem{line: start}
		var val strings.Builder
		field, size, blank, pos := 0, len(line), true, 0
		for {
			pos += leadingSpace(line[pos:])
			keep := field == t.col
			vname := t.varCols[field] // a placeholder's column (reason, summary, name)
			var fv strings.Builder
			var dst *strings.Builder
			switch {
			case keep:
				dst = &val
			case vname != "":
				dst = &fv
			}
			var raw string // the unquoted text of the field, or what follows its closing quote
			if pos < len(line) && line[pos] == '"' {
				pos++
				for { // to the closing quote, over line breaks
					i := strings.IndexByte(line[pos:], '"')
					if i < 0 {
						blank = false // a line break inside: a record
						if dst != nil {
							dst.WriteString(line[pos:])
							dst.WriteByte('\n')
						}
						next, err := t.readLine()
						if err == io.EOF {
							return inputItem{}, &InputError{fmt.Errorf(`line %d: a quoted field is never closed (a " is missing); nothing from this line on was read`, start)}
						}
						if err != nil {
							return inputItem{}, err
						}
						if size += len(next) + 1; size > maxLine {
							return inputItem{}, &InputError{fmt.Errorf(`line %d: a quoted field runs past %d bytes (is its closing " missing?); nothing from this line on was read`, start, maxLine)}
						}
						line, pos = next, 0
						continue
					}
					if dst != nil {
						dst.WriteString(line[pos : pos+i])
					}
					if strings.TrimSpace(line[pos:pos+i]) != "" {
						blank = false
					}
					pos += i + 1
					if pos < len(line) && line[pos] == '"' { // "" is one quote
						blank = false
						if dst != nil {
							dst.WriteByte('"')
						}
						pos++
						continue
					}
					break
				}
				raw = fieldText(line[pos:])
				if strings.TrimSpace(raw) != "" {
					blank = false
					if keep {
						it.bad = `text after the closing quote of the target field`
					}
				}
				if field > 0 || pos+len(raw) < len(line) {
					blank = false
				}
			} else {
				raw = fieldText(line[pos:])
				if dst != nil {
					dst.WriteString(raw)
				}
				if keep {
					if strings.IndexByte(raw, '"') >= 0 {
						it.bad = `a " inside an unquoted target field (quote the whole field, doubling the quotes inside)`
					}
				}
				if raw != "" || field > 0 || pos+len(raw) < len(line) {
					blank = false
				}
			}
			if vname != "" {
				if it.vars == nil {
					it.vars = map[string]string{}
				}
				it.vars[vname] = strings.TrimSpace(fv.String())
			}
			pos += len(raw)
			if pos >= len(line) {
				break
			}
			pos++ // the comma
			field++
		}
		if blank {
			continue // a line of white space (or "") is no record
		}
		it.raw = strings.TrimSpace(val.String())
		return it, nil
	}
}

// fieldText is s up to its first comma.
func fieldText(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return s[:i]
	}
	return s
}

// leadingSpace is the length of the white space that starts s.
func leadingSpace(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !unicode.IsSpace(r) {
			break
		}
		n += size
	}
	return n
}
