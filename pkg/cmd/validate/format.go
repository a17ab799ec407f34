package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/handoff-dev/handoff/pkg/action"
)

// Report is what a validation run found, ready for any output format.
type Report struct {
	Files       int // files checked
	Diagnostics []action.Diagnostic
	Errors      int
	Warnings    int
	Strict      bool
	// Line returns a file's source line for snippets ("" when unknown).
	Line func(file string, line int) string
	// Version of handoff, for SARIF.
	Version string
	// Base is the absolute folder SARIF paths are relative to.
	Base string
}

// Valid is the verdict: no errors, and no warnings under --strict.
func (r *Report) Valid() bool { return r.Errors == 0 && (!r.Strict || r.Warnings == 0) }

// Formatter writes a report in one output format.
type Formatter interface {
	Format(w io.Writer, r *Report) error
}

// Formats are the names --format accepts.
var Formats = []string{"text", "json", "github", "sarif"}

// NewFormatter returns the formatter of a format name. snippets and color
// apply to text only.
func NewFormatter(name string, snippets, color bool) (Formatter, error) {
	switch name {
	case "text":
		return textFormat{snippets: snippets, color: color}, nil
	case "json":
		return jsonFormat{}, nil
	case "github":
		return githubFormat{}, nil
	case "sarif":
		return sarifFormat{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (use one of %s)", name, strings.Join(Formats, ", "))
}

// text: file:line:col: severity: message [rule], with a snippet and caret
// on a terminal.
type textFormat struct{ snippets, color bool }

func (f textFormat) Format(w io.Writer, r *Report) error {
	for _, d := range r.Diagnostics {
		sev := string(d.Severity)
		if f.color {
			if d.Severity == action.SeverityError {
				sev = "\x1b[1;31m" + sev + "\x1b[0m"
			} else {
				sev = "\x1b[1;33m" + sev + "\x1b[0m"
			}
		}
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s: %s [%s]\n", d.File, d.Line, d.Column, sev, d.Message, d.Rule); err != nil {
			return err
		}
		if f.snippets && r.Line != nil {
			writeSnippet(w, d, r.Line(d.File, d.Line), f.color)
		}
	}
	return nil
}

func writeSnippet(w io.Writer, d action.Diagnostic, src string, color bool) {
	if src == "" && d.Column <= 1 {
		return
	}
	src = strings.ReplaceAll(src, "\t", " ")
	num := fmt.Sprint(d.Line)
	gutter := strings.Repeat(" ", len(num))
	width := 1
	if d.EndLine == d.Line && d.EndColumn > d.Column {
		width = d.EndColumn - d.Column
	}
	if n := utf8.RuneCountInString(src) - (d.Column - 1); n > 0 && width > n {
		width = n
	}
	caret := strings.Repeat("^", width)
	if color {
		caret = "\x1b[1;36m" + caret + "\x1b[0m"
	}
	caret = strings.Repeat(" ", max(d.Column-1, 0)) + caret
	fmt.Fprintf(w, " %s | %s\n %s | %s\n", num, src, gutter, caret)
}

// json: one envelope.
type jsonFormat struct{}

// JSONFormatVersion is the version of the --format json envelope
// (docs/validate.md): fields are only ever added within a version; a change
// of a field's meaning, type or a removal gets a new version.
const JSONFormatVersion = 1

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type jsonDiag struct {
	File  string `json:"file"`
	Range struct {
		Start jsonPos `json:"start"`
		End   jsonPos `json:"end"`
	} `json:"range"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
}

func (jsonFormat) Format(w io.Writer, r *Report) error {
	out := struct {
		FormatVersion int        `json:"format_version"`
		Valid         bool       `json:"valid"`
		FileCount     int        `json:"file_count"`
		ErrorCount    int        `json:"error_count"`
		WarningCount  int        `json:"warning_count"`
		Strict        bool       `json:"strict"`
		Diagnostics   []jsonDiag `json:"diagnostics"`
	}{FormatVersion: JSONFormatVersion, Valid: r.Valid(), FileCount: r.Files, ErrorCount: r.Errors, WarningCount: r.Warnings, Strict: r.Strict, Diagnostics: []jsonDiag{}}
	for _, d := range r.Diagnostics {
		var j jsonDiag
		j.File, j.Severity, j.Rule, j.Message = d.File, string(d.Severity), d.Rule, d.Message
		j.Range.Start = jsonPos{d.Line, d.Column}
		j.Range.End = jsonPos{d.EndLine, d.EndColumn}
		out.Diagnostics = append(out.Diagnostics, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// github: workflow commands that GitHub Actions shows as annotations.
type githubFormat struct{}

func (githubFormat) Format(w io.Writer, r *Report) error {
	for _, d := range r.Diagnostics {
		props := fmt.Sprintf("file=%s,line=%d,col=%d", ghProp(filepath.ToSlash(d.File)), d.Line, d.Column)
		if d.EndLine >= d.Line && d.EndLine > 0 {
			props += fmt.Sprintf(",endLine=%d", d.EndLine)
			if d.EndLine == d.Line && d.EndColumn > d.Column {
				props += fmt.Sprintf(",endColumn=%d", d.EndColumn)
			}
		}
		props += ",title=" + ghProp("handoff "+d.Rule)
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", d.Severity, props, ghData(d.Message)); err != nil {
			return err
		}
	}
	return nil
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
