// Command handoff configures and runs handoff actions against Wati.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmd/root"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/redact"
)

// Set through -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() { os.Exit(Main()) }

// Main runs the command line and returns the exit code.
func Main() int {
	ios := cmdutil.System()
	ctx, stop := cancelOnSignal(ios)
	defer stop()

	var out *countingWriter
	if wantsJSON(os.Args[1:]) {
		out = &countingWriter{w: ios.Out}
		ios.Out = out
	}
	f := factory.New(version, commit, date, ios)
	cmd := root.NewCmdRoot(f)
	ran, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if ctx.Err() != nil && !errors.As(err, new(cmdutil.Coder)) {
		err = cmdutil.ErrCancelled
	}
	code := cmdutil.ExitCodeOf(err)
	if isCobraUsageError(err) {
		code = cmdutil.ExitUsage
		err = cmdutil.WithHint(cmdutil.UsageError("%s", err), "Run: handoff --help")
	}
	// Every usage error ends with a hint line: when the command gave none,
	// point at its help (which names the flags and shows examples).
	if code == cmdutil.ExitUsage && cmdutil.HintOf(err) == "" && ran != nil {
		err = cmdutil.WithHint(err, "Run: "+ran.CommandPath()+" --help")
	}
	// --json promises a JSON object on stdout, failures included: when the
	// command printed none, the error is one.
	if out != nil && out.n == 0 {
		printJSONError(out, err, code)
	}
	var silent *cmdutil.SilentError
	if !errors.As(err, &silent) {
		// Errors may quote what a server or a file said: escape control
		// characters so that none reaches the terminal raw.
		fmt.Fprintf(ios.ErrOut, "handoff: %s\n", redact.Block(err.Error(), 0))
		if hint := cmdutil.HintOf(err); hint != "" {
			fmt.Fprintf(ios.ErrOut, "%s\n", redact.Block(hint, 0))
		}
	}
	return code
}

// isCobraUsageError recognises the errors cobra returns for an unknown
// command or a wrong number of arguments, which carry no type.
func isCobraUsageError(err error) bool {
	if errors.As(err, new(cmdutil.Coder)) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// cancelGrace is how long a cancelled command may take to finish its
// writes (journal, report, audit log, a server's shutdown) before the
// process exits anyway.
const cancelGrace = 5 * time.Second

// cancelOnSignal returns a context cancelled by the first Ctrl-C (SIGINT)
// or SIGTERM, which every command honours. So that no wait can outlast it
// (a read from a pipe, a lock, a library that ignores the context), the
// process exits with 130 when the command has not returned cancelGrace
// later, or at once on a second Ctrl-C. Every file handoff writes is
// written atomically or in whole lines, so stopping there loses nothing.
func cancelOnSignal(ios *cmdutil.IOStreams) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		select {
		case <-sigs:
		case <-time.After(cancelGrace):
		case <-done:
			return
		}
		fmt.Fprintln(ios.ErrOut, "handoff: cancelled")
		os.Exit(cmdutil.ExitCancel)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// wantsJSON reports whether the command line asks for --json (before any
// "--" that ends the flags).
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "--json=true", "--json=1":
			return true
		}
	}
	return false
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// printJSONError writes the error as the one JSON object of --json:
// {"ok": false, "error", "hint", "exit_code"}.
func printJSONError(w io.Writer, err error, code int) {
	obj := struct {
		OK       bool   `json:"ok"`
		Error    string `json:"error"`
		Hint     string `json:"hint,omitempty"`
		ExitCode int    `json:"exit_code"`
	}{Error: err.Error(), Hint: cmdutil.HintOf(err), ExitCode: code}
	var silent *cmdutil.SilentError
	if errors.As(err, &silent) {
		obj.Error = fmt.Sprintf("failed (exit %d)", code)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(obj)
}
