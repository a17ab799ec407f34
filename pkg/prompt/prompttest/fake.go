// Package prompttest fakes prompt.Prompter: a script of expected questions
// and their answers, checked in order.
package prompttest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/handoff-dev/handoff/pkg/prompt"
)

// Answer is the expected next question (Match: a substring of its title) and
// what the person answers.
type Answer struct {
	Match string
	// Value answers an Input or Text as typed (not validated: the wizard
	// must check it again, as it must after huh's line mode). For a Select
	// it is an option's Value, or else a substring of one option's Label.
	Value string
	Keep  bool  // accept the default (Enter)
	Err   error // the form ends with this error (prompt.ErrAborted: Ctrl-C)
}

// Fake is a scripted Prompter. Asked and Said record what happened.
type Fake struct {
	t       testing.TB
	mu      sync.Mutex
	answers []Answer
	Asked   []Question
	Said    []string
}

// Question is one question as the wizard asked it.
type Question struct {
	Kind    string // input, text, select
	Title   string
	Default string
	Options []prompt.Option
}

// New returns a fake that expects answers in order.
func New(t testing.TB, answers ...Answer) *Fake {
	return &Fake{t: t, answers: answers}
}

// Done fails the test when answers were left unasked.
func (f *Fake) Done() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.answers) > 0 {
		f.t.Errorf("%d answers never asked for, next: %q; asked: %s", len(f.answers), f.answers[0].Match, f.transcript())
	}
}

func (f *Fake) transcript() string {
	var b strings.Builder
	for _, q := range f.Asked {
		fmt.Fprintf(&b, "\n  %s %q", q.Kind, q.Title)
	}
	return b.String()
}

func (f *Fake) next(q Question) Answer {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Asked = append(f.Asked, q)
	if len(f.answers) == 0 {
		f.t.Fatalf("unexpected question %s %q; asked so far: %s", q.Kind, q.Title, f.transcript())
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	if !strings.Contains(q.Title, a.Match) {
		f.t.Fatalf("asked %s %q, expected a question about %q; asked so far: %s", q.Kind, q.Title, a.Match, f.transcript())
	}
	return a
}

func (f *Fake) text(kind, title, def string) (string, error) {
	a := f.next(Question{Kind: kind, Title: title, Default: def})
	if a.Err != nil {
		return "", a.Err
	}
	if a.Keep {
		return def, nil
	}
	return strings.TrimSpace(a.Value), nil
}

func (f *Fake) Input(q prompt.Input) (string, error) { return f.text("input", q.Title, q.Default) }
func (f *Fake) Text(q prompt.Text) (string, error)   { return f.text("text", q.Title, q.Default) }

func (f *Fake) Select(q prompt.Select) (string, error) {
	f.t.Helper()
	a := f.next(Question{Kind: "select", Title: q.Title, Default: q.Default, Options: q.Options})
	if a.Err != nil {
		return "", a.Err
	}
	if a.Keep {
		if q.Default == "" && len(q.Options) > 0 {
			return q.Options[0].Value, nil
		}
		return q.Default, nil
	}
	for _, o := range q.Options {
		if o.Value == a.Value {
			return o.Value, nil
		}
	}
	var found []prompt.Option
	for _, o := range q.Options {
		if strings.Contains(o.Label, a.Value) {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		f.t.Fatalf("select %q: %d options match %q: %v", q.Title, len(found), a.Value, q.Options)
	}
	return found[0].Value, nil
}

func (f *Fake) Say(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Said = append(f.Said, fmt.Sprintf(format, a...))
}

// SaidText is everything said, one line each.
func (f *Fake) SaidText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.Said, "\n")
}

func (f *Fake) Wait(title string, fn func() error) error { return fn() }

var _ prompt.Prompter = (*Fake)(nil)
