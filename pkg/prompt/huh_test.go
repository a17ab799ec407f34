package prompt

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// accessiblePrompter answers from input in line mode, as when piped.
func accessiblePrompter(input string) (*HuhPrompter, *strings.Builder) {
	ios, _, _, _ := cmdutil.Test()
	ios.In = strings.NewReader(input)
	var errOut strings.Builder
	ios.ErrOut = &errOut
	ios.SetTTY(true, true, true)
	ios.Getenv = func(k string) string {
		if k == "HANDOFF_ACCESSIBLE" {
			return "1"
		}
		return ""
	}
	return NewHuh(context.Background(), ios), &errOut
}

func TestLineModeQuestionsShareOneReader(t *testing.T) {
	// Every question gets its own line, although huh reads each field with
	// a fresh scanner; the last line needs no newline.
	p, out := accessiblePrompter("first\nsecond line\n2\nlast")
	a, err := p.Input(Input{Title: "One"})
	if err != nil || a != "first" {
		t.Fatalf("%q %v", a, err)
	}
	b, err := p.Text(Text{Title: "Two"})
	if err != nil || b != "second line" {
		t.Fatalf("%q %v", b, err)
	}
	c, err := p.Select(Select{Title: "Three", Options: []Option{{"A", "a"}, {"B", "b"}}})
	if err != nil || c != "b" {
		t.Fatalf("%q %v", c, err)
	}
	d, err := p.Input(Input{Title: "Four", Secret: true})
	if err != nil || d != "last" {
		t.Fatalf("%q %v", d, err)
	}
	if strings.Contains(out.String(), "last") {
		t.Errorf("the secret was echoed: %q", out)
	}
	if _, err := p.Input(Input{Title: "Five", Default: "kept"}); !errors.Is(err, ErrEndOfInput) || !errors.Is(err, ErrAborted) {
		t.Fatalf("after the end: %v", err)
	}
}

func TestLineModeRefusedAnswersThenEnd(t *testing.T) {
	p, out := accessiblePrompter("7\n9\n")
	_, err := p.Select(Select{Title: "Pick", Options: []Option{{"A", "a"}, {"B", "b"}}, Default: "a"})
	if !errors.Is(err, ErrEndOfInput) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out.String(), "Invalid: must be a number between 1 and 2") {
		t.Errorf("stderr %q", out)
	}
	p, _ = accessiblePrompter("not valid\n")
	_, err = p.Input(Input{Title: "Email", Validate: func(s string) error {
		if !strings.Contains(s, "@") {
			return errors.New("no @")
		}
		return nil
	}})
	if !errors.Is(err, ErrEndOfInput) {
		t.Fatalf("err = %v", err)
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("Intent: The customer disputes a charge, asks for a refund, or asks for a person about an invoice.", 40, "  ")
	want := "Intent: The customer disputes a charge,\n  asks for a refund, or asks for a\n  person about an invoice."
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 40 {
			t.Errorf("line longer than 40: %q", l)
		}
	}
}

func TestWrapLinesKeepsIndent(t *testing.T) {
	in := "Summary\n  1. name      x\n     intent    short\nWarning: user maria@acme.com is not in the directory of acme (directories are never complete); saved as given"
	got := wrapLines(in, 80)
	want := "Summary\n  1. name      x\n     intent    short\nWarning: user maria@acme.com is not in the directory of acme (directories are\n  never complete); saved as given"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
