package assign

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
)

// progressBar draws one line on stderr, redrawn in place. Only on a
// terminal: without one, stderr carries nothing but errors.
type progressBar struct {
	w     io.Writer
	width int
	last  string
}

func newProgressBar(ios *cmdutil.IOStreams) *progressBar {
	if !ios.ShowProgress() {
		return nil
	}
	return &progressBar{w: ios.ErrOut, width: 24}
}

func (p *progressBar) draw(pr handoff.Progress) {
	line := renderProgress(pr, p.width)
	if line == p.last {
		return
	}
	p.last = line
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

func (p *progressBar) clear() { fmt.Fprint(p.w, "\r\x1b[K") }

// renderProgress: "[=========>          ] 1200/2000  60%  412/s  ETA 2s  failed 3".
func renderProgress(pr handoff.Progress, width int) string {
	var b strings.Builder
	if pr.Total > 0 {
		frac := float64(pr.Processed) / float64(pr.Total)
		if frac > 1 {
			frac = 1
		}
		fill := int(frac * float64(width))
		b.WriteString("[")
		b.WriteString(strings.Repeat("=", fill))
		if fill < width {
			b.WriteString(">")
			b.WriteString(strings.Repeat(" ", width-fill-1))
		}
		fmt.Fprintf(&b, "] %d/%d %3.0f%%", pr.Processed, pr.Total, frac*100)
	} else {
		fmt.Fprintf(&b, "%d done", pr.Processed)
	}
	fmt.Fprintf(&b, "  %.0f/s", pr.Rate)
	if pr.Total > 0 && pr.Rate > 0 && pr.Processed < pr.Total {
		eta := time.Duration(float64(pr.Total-pr.Processed) / pr.Rate * float64(time.Second))
		fmt.Fprintf(&b, "  ETA %s", eta.Round(time.Second))
	}
	if pr.Failed > 0 {
		fmt.Fprintf(&b, "  failed %d", pr.Failed)
	}
	if pr.Unknown > 0 {
		fmt.Fprintf(&b, "  unknown %d", pr.Unknown)
	}
	if pr.Skipped > 0 {
		fmt.Fprintf(&b, "  skipped %d", pr.Skipped)
	}
	if pr.SlowDowns > 0 {
		fmt.Fprintf(&b, "  slowed (429) to %.1f req/s", pr.Limit)
	}
	return b.String()
}
