package exitcode

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestErrorf(t *testing.T) {
	err := Errorf(Config, "Run: handoff account add", "reading %s: %w", "config.yaml", fs.ErrNotExist)
	if err.Error() != "reading config.yaml: file does not exist" {
		t.Errorf("message %q", err.Error())
	}
	if err.ExitCode() != 3 || err.Hint() != "Run: handoff account add" {
		t.Errorf("code %d, hint %q", err.ExitCode(), err.Hint())
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("the wrapped error is not in the chain")
	}
	// Wrapped further, it is still found with its code and hint.
	var e *Error
	if !errors.As(fmt.Errorf("saving: %w", err), &e) || e.Code != Config || e.Tip != "Run: handoff account add" {
		t.Errorf("errors.As: %+v", e)
	}
}

// The numbers are a contract with scripts (design.md): they must not move.
func TestCodes(t *testing.T) {
	for got, want := range map[int]int{OK: 0, Failure: 1, Usage: 2, Config: 3, Auth: 4, NotFound: 5, Unavailable: 6, Unknown: 7, Cancel: 130} {
		if got != want {
			t.Errorf("code %d, want %d", got, want)
		}
	}
}
