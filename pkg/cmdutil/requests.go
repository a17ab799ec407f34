package cmdutil

import (
	"fmt"
	"io"
	"sort"

	"github.com/handoff-dev/handoff/pkg/wati"
)

// PrintRequests shows requests the way curl users read them:
// method and URL (with the status of a read that was sent), headers in order
// (the token already redacted by the client), then the body.
func PrintRequests(w io.Writer, reqs []wati.Request) {
	for _, r := range reqs {
		sent := ""
		if r.Status != 0 {
			sent = fmt.Sprintf("   (read, sent: %d)", r.Status)
		}
		fmt.Fprintf(w, "%s %s%s\n", r.Method, r.URL, sent)
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s: %s\n", k, r.Header[k])
		}
		if r.Body != "" {
			fmt.Fprintf(w, "  %s\n", r.Body)
		}
	}
}
