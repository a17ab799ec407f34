// Package redact is the one place where text that may hold a secret (a
// Wati token) or that came from a server is made fit to leave the process:
// on stderr, in --json, in reports, in the audit log and in debug traces.
//
// The order is fixed and matters: first the secrets are masked, on the
// whole text, then control characters are escaped, then the text is cut to
// its size. Cutting first would let a token that straddles the cut through
// (the part before the cut no longer matches the token). Parts of a secret
// are masked too: any run of at least MinPart characters that is a prefix
// of a secret (as left where someone else cut the text: a server echoing a
// truncated header, a body limit) and, at the very start of the text, a
// suffix of one.
//
// It is a leaf package: it imports nothing of handoff.
package redact

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Mask replaces a secret (or part of one) wherever text is shown.
const Mask = "***REDACTED***"

// MinPart is the shortest part of a secret that is masked on its own; a
// whole secret is masked whatever its length.
const MinPart = 4

// Redactor masks a fixed set of secrets. The zero value and nil mask
// nothing (but still escape and cut).
type Redactor struct {
	secrets []string
}

// New returns a Redactor for the given secrets; empty ones are ignored.
// Each secret is also masked in the forms a server may echo it in: with
// "/" escaped as JSON allows ("\/") and query-escaped.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
		}
	}
	for _, s := range secrets {
		add(s)
		add(strings.ReplaceAll(s, "/", `\/`))
		add(url.QueryEscape(s))
	}
	// Longest first, so that a secret containing another is masked whole.
	for i := 1; i < len(r.secrets); i++ {
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
	return r
}

// String masks every secret in s, and every part of one (see the package
// comment). It neither escapes nor cuts. The places to mask are found for
// all secrets on the text as given, then masked at once, so that a part of
// one secret never hides a longer match of another (sandbox-token inside a
// cut "sandbox-toke", beside sandbox-readonly-token).
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	var spans [][2]int
	for _, sec := range r.secrets {
		spans = appendSpans(spans, s, sec)
	}
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	b.Grow(len(s))
	at := 0 // bytes of s written or masked
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] < end; i++ { // overlapping: one mask
			end = max(end, spans[i][1])
		}
		if start < at {
			start = at
		}
		b.WriteString(s[at:start])
		b.WriteString(Mask)
		at = end
	}
	b.WriteString(s[at:])
	return b.String()
}

// appendSpans adds where sec shows in s: whole occurrences, runs of at
// least MinPart bytes that are a prefix of sec, and a suffix of sec at the
// start of s.
func appendSpans(spans [][2]int, s, sec string) [][2]int {
	if len(sec) < MinPart {
		for i := 0; ; {
			k := strings.Index(s[i:], sec)
			if k < 0 {
				return spans
			}
			spans = append(spans, [2]int{i + k, i + k + len(sec)})
			i += k + len(sec)
		}
	}
	for k := len(sec) - 1; k >= MinPart; k-- { // the text begins inside the secret
		if strings.HasPrefix(s, sec[len(sec)-k:]) {
			spans = append(spans, [2]int{0, k})
			break
		}
	}
	head := sec[:MinPart]
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], head)
		if k < 0 {
			break
		}
		at := i + k
		n := MinPart
		for n < len(sec) && at+n < len(s) && s[at+n] == sec[n] {
			n++
		}
		spans = append(spans, [2]int{at, at + n})
		i = at + 1 // a match may begin inside this one ("ababab-x" for "abab-x")
	}
	return spans
}

// Line makes text fit for one line of output: secrets masked, then control
// characters escaped (tab, CR and LF become spaces; others \xNN or \uNNNN;
// bytes that are not UTF-8 \xNN), then the result cut to at most max
// characters, "…" included (max <= 0: no cut).
func (r *Redactor) Line(s string, max int) string { return r.clean(s, max, false) }

// Block is Line for text of several lines (a debug body): LF and tab are
// kept, every other control character escaped.
func (r *Redactor) Block(s string, max int) string { return r.clean(s, max, true) }

// clean masks, escapes and cuts. An escape can, in theory, spell a secret
// out of the bytes around it ("\x80" then "00..."): the escaped text is
// masked once more, and cut plainly if that made it longer.
func (r *Redactor) clean(s string, max int, multiline bool) string {
	out := clean(r.String(s), max, multiline)
	if again := r.String(out); again != out {
		out = cutRunes(again, max)
	}
	return out
}

func cutRunes(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// Line is Line with no secret to mask: for server text when no token is
// known (an audit log read back).
func Line(s string, max int) string { return clean(s, max, false) }

// Block is Block with no secret to mask.
func Block(s string, max int) string { return clean(s, max, true) }

// clean escapes and cuts s (already redacted).
func clean(s string, max int, multiline bool) string {
	out := make([]byte, 0, min(len(s), max16(max)))
	n, keep := 0, 0 // runes written; bytes of out that fit max-1 runes (room for "…")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := escape(r, s[i:i+size], multiline)
		i += size
		w := utf8.RuneCountInString(piece)
		if max > 0 && n+w > max {
			return string(out[:keep]) + "…"
		}
		out = append(out, piece...)
		n += w
		if max <= 0 || n <= max-1 {
			keep = len(out)
		}
	}
	return string(out)
}

// max16 is a capacity guess: max characters of mostly one byte.
func max16(max int) int {
	if max <= 0 {
		return 1 << 30
	}
	return max + 16
}

// escape returns how one rune is shown.
func escape(r rune, raw string, multiline bool) string {
	switch {
	case r == utf8.RuneError && len(raw) == 1:
		return fmt.Sprintf(`\x%02x`, raw[0])
	case r == '\n' && multiline, r == '\t' && multiline:
		return raw
	case r == '\n' || r == '\r' || r == '\t':
		return " "
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r >= 0x80 && r < 0xa0, // C1 controls (CSI and friends)
		r == 0x2028 || r == 0x2029,                // line and paragraph separators
		r >= 0x202a && r <= 0x202e,                // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069,                // bidi isolates
		r == 0x200e || r == 0x200f || r == 0x061c, // direction marks
		r == 0xfeff: // byte-order mark / zero-width no-break space
		return fmt.Sprintf(`\u%04x`, r)
	}
	return raw
}
