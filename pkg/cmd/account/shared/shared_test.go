package shared

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

func TestReadRawLine(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"abc\r", "abc", nil},
		{"abd\x7fc\n", "abc", nil},
		{"wrong\x15right\r", "right", nil},
		{"Bearer tok\r", "Bearer tok", nil},
		{"half\x03", "", cmdutil.ErrCancelled},
		{"\x04", "", io.EOF},
		{"tail", "tail", nil},
		{"\x1b\x01ok\r", "ok", nil},
	}
	for _, c := range cases {
		got, err := readRawLine(strings.NewReader(c.in))
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("readRawLine(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "yep\n": false} {
		ios, stdin, _, errOut := cmdutil.Test()
		stdin.WriteString(in)
		got, err := Confirm(ios, "Go?")
		if err != nil || got != want || !strings.HasPrefix(errOut.String(), "Go? [y/N] ") {
			t.Errorf("Confirm(%q) = %v, %v (prompt %q)", in, got, err, errOut)
		}
	}
}
