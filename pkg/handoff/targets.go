package handoff

import (
	"context"
	"errors"
	"io"
)

// EachTarget reads targets as `assign --from` does (a CSV with a "target"
// or "conversation" column, or one target per line; blank lines and #
// comments skipped) and calls fn with each one's line and raw text, in
// order, streaming. fn's error stops the reading and is returned; input
// errors are *InputError (exit 2).
func EachTarget(ctx context.Context, r io.Reader, fn func(line int, raw string) error) error {
	tr := newTargetReader(r)
	if err := startInput(ctx, tr); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		it, err := tr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				err = &InputError{err}
			}
			return err
		}
		if err := fn(it.line, it.raw); err != nil {
			return err
		}
	}
}
