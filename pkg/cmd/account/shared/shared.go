// Package shared holds what the account and directory commands share:
// account-name completion, a yes/no question and a masked token prompt.
package shared

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// CompleteAccountNames completes the first argument with the configured
// account names. Completion runs without the root's pre-run, so it resolves
// the settings first.
func CompleteAccountNames(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return AccountNames(f, cmd), cobra.ShellCompDirectiveNoFileComp
	}
}

// AccountNames lists the configured accounts for completion ("" on any error).
func AccountNames(f *cmdutil.Factory, cmd *cobra.Command) []string {
	EnsureSettings(f, cmd)
	st, err := f.Accounts()
	if err != nil {
		return nil
	}
	names, _ := st.Names()
	return names
}

// EnsureSettings runs the root's settings resolution when it has not run
// (shell completion calls completion functions without it).
func EnsureSettings(f *cmdutil.Factory, cmd *cobra.Command) {
	if f.Settings.ConfigDir != "" {
		return
	}
	if root := cmd.Root(); root.PersistentPreRunE != nil {
		_ = root.PersistentPreRunE(cmd, nil)
	}
}

// Confirm asks a yes/no question on stderr and reads the answer from stdin.
// Only yes (y, yes) is yes; the end of input is no.
func Confirm(ios *cmdutil.IOStreams, question string) (bool, error) {
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, err
	}
	if err == io.EOF && line == "" {
		fmt.Fprintln(ios.ErrOut)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ReadSecret asks for a secret on the terminal without echoing it. The
// terminal is switched to raw mode before the prompt is printed, so nothing
// typed after the prompt appears can be echoed. Ctrl-C (or a cancelled ctx)
// restores the terminal and returns cmdutil.ErrCancelled; Ctrl-D on an empty
// line is the end of input.
func ReadSecret(ctx context.Context, ios *cmdutil.IOStreams, prompt string) (string, error) {
	f, ok := ios.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", cmdutil.UsageError("cannot prompt for a token: stdin is not a terminal")
	}
	fd := int(f.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", err
	}
	var once sync.Once
	restore := func() { once.Do(func() { _ = term.Restore(fd, state) }) }
	defer restore()
	fmt.Fprint(ios.ErrOut, prompt)
	type answer struct {
		s   string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		s, err := readRawLine(f)
		ch <- answer{s, err}
	}()
	select {
	case a := <-ch:
		restore()
		fmt.Fprintln(ios.ErrOut)
		return a.s, a.err
	case <-ctx.Done():
		restore()
		fmt.Fprintln(ios.ErrOut)
		return "", cmdutil.ErrCancelled
	}
}

// readRawLine reads one line from a terminal in raw mode: Enter ends it,
// Backspace and Ctrl-U edit it, Ctrl-C cancels, Ctrl-D on an empty line is EOF.
func readRawLine(r io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := r.Read(b)
		if n == 1 {
			switch c := b[0]; {
			case c == '\r' || c == '\n':
				return string(line), nil
			case c == 3: // Ctrl-C
				return "", cmdutil.ErrCancelled
			case c == 4: // Ctrl-D
				if len(line) == 0 {
					return "", io.EOF
				}
			case c == 127 || c == 8: // Backspace
				if len(line) > 0 {
					line = line[:len(line)-1]
				}
			case c == 21: // Ctrl-U
				line = line[:0]
			case c >= 32:
				line = append(line, c)
			}
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return string(line), nil
			}
			return "", err
		}
	}
}

// TokenFromStdin reads a piped token: at most 64 KiB, white space and a
// "Bearer " prefix trimmed by the caller (account.CleanToken).
func TokenFromStdin(in io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(in, 64<<10))
	if err != nil {
		return "", fmt.Errorf("reading the token from stdin: %w", err)
	}
	return string(b), nil
}
