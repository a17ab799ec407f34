// Package prompt is the interactive side of handoff: a small Prompter
// interface (one question at a time), its implementation on huh, and the
// three-step configure wizard built on top of it. Tests fake the Prompter
// (see prompttest), so the wizard's logic is tested without a terminal.
package prompt

import (
	"errors"
)

// ErrAborted is returned by a Prompter when the user cancels (Ctrl-C, Esc,
// or the end of input in line mode). The command layer maps it to exit 130.
var ErrAborted = errors.New("cancelled")

// Option is one choice of a Select: Label is shown, Value is returned.
type Option struct {
	Label string
	Value string
}

// Input is a one-line question.
type Input struct {
	Title       string
	Description string
	Default     string // prefilled value; Enter keeps it
	Placeholder string // shown as an example ("e.g. ..."), never taken as the answer
	// Example says what a valid answer looks like ("a lower-case name such
	// as acme-prod"): Enter on an empty field shows it.
	Example string
	// Validate checks the answer; the form does not move on while it fails,
	// and the wizard checks the returned value again (line mode can skip it).
	Validate func(string) error
	Secret   bool // not echoed (tokens)
}

// Text is a multi-line question (one line in accessible mode).
type Text struct {
	Title       string
	Description string
	Default     string
	Placeholder string
	Example     string // see Input.Example
	Validate    func(string) error
}

// Select asks for one of several options and returns its Value.
type Select struct {
	Title       string
	Description string
	Options     []Option
	Default     string // the Value selected at first
	Filter      bool   // a long list: say that / filters it
}

// Prompter asks one question at a time. Each call is its own form: huh loses
// input when several line-mode fields share one reader, and computing the
// options of the next question in Go between forms avoids OptionsFunc.
type Prompter interface {
	Input(q Input) (string, error)
	Text(q Text) (string, error)
	Select(q Select) (string, error)
	// Say prints an informational line for the person (stderr).
	Say(format string, a ...any)
	// Wait runs fn while a spinner with title turns (when the terminal allows).
	Wait(title string, fn func() error) error
}
