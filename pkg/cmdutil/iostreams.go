// Package cmdutil holds what every command shares: the IO streams with their
// terminal facts, the factory of lazily built dependencies, and the error
// types that map to the process exit codes.
package cmdutil

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the standard streams plus what is known about them. Tests
// build them with Test() and set the TTY facts by hand.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool

	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		Getenv:    os.Getenv,
	}
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	env := map[string]string{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, Getenv: func(k string) string { return env[k] }}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func (s *IOStreams) getenv(k string) string {
	if s.Getenv == nil {
		return os.Getenv(k)
	}
	return s.Getenv(k)
}

// SetTTY overrides the terminal facts (tests).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

func (s *IOStreams) IsStdinTTY() bool  { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether forms may be shown: stdin and stdout are
// terminals and HANDOFF_NO_PROMPT is unset.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stdoutTTY && s.getenv("HANDOFF_NO_PROMPT") == ""
}

// Accessible reports whether forms should run line by line for screen readers.
func (s *IOStreams) Accessible() bool {
	v := s.getenv("HANDOFF_ACCESSIBLE")
	return (v != "" && v != "0" && v != "false") || s.getenv("TERM") == "dumb"
}

// ColorEnabled reports whether stderr may carry colour.
func (s *IOStreams) ColorEnabled() bool {
	return s.stderrTTY && s.getenv("NO_COLOR") == "" && s.getenv("TERM") != "dumb"
}

// ShowProgress reports whether progress and spinners may be drawn on stderr.
func (s *IOStreams) ShowProgress() bool { return s.stderrTTY && s.getenv("TERM") != "dumb" }
