package redact_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/handoff-dev/handoff/pkg/redact"
	"github.com/handoff-dev/handoff/pkg/redact/redacttest"
)

// A 22-character token, as in the review that found the leak, from an
// alphabet the filler text does not use.
const tok = "Tk9QRz7WmA3bC5dE1fG2hJ"

func leaked(s string) string { return redacttest.Leaked(s, tok) }

func TestWholeTokenMasked(t *testing.T) {
	r := redact.New(tok)
	got := r.String("Bearer " + tok + " and again " + tok)
	if got != "Bearer ***REDACTED*** and again ***REDACTED***" {
		t.Errorf("got %q", got)
	}
	if redact.New().String("x "+tok) != "x "+tok {
		t.Error("a Redactor without secrets changed the text")
	}
	var nilR *redact.Redactor
	if nilR.Line("a\x1bb", 0) != `a\x1bb` {
		t.Error("a nil Redactor does not escape")
	}
}

// The cut comes after the masking: whatever the position of the token and
// the place of the cut, no part of the token survives.
func TestTokenSweptAcrossEveryCut(t *testing.T) {
	r := redact.New(tok)
	for _, max := range []int{1, 2, 5, 20, 80, 200} {
		for pos := 0; pos <= max+len(tok)+2; pos++ {
			text := strings.Repeat("x", pos) + tok + strings.Repeat("y", 30)
			for _, f := range []func(string, int) string{r.Line, r.Block} {
				got := f(text, max)
				if l := leaked(got); l != "" {
					t.Fatalf("max %d, token at %d: %q shows %q", max, pos, got, l)
				}
				if n := utf8.RuneCountInString(got); n > max {
					t.Fatalf("max %d, token at %d: %d characters: %q", max, pos, n, got)
				}
			}
		}
	}
}

// A cut made before the text reached us (a server echoing part of the
// header, a read limit) leaves a prefix: it is masked wherever it ends,
// and a suffix at the very start is masked too.
func TestPartsOfTheTokenMasked(t *testing.T) {
	r := redact.New(tok)
	for k := redact.MinPart; k < len(tok); k++ {
		for _, text := range []string{
			"body " + tok[:k],
			`{"message":"bad token ` + tok[:k] + `"}`,
			tok[len(tok)-k:] + " rest of the body",
		} {
			if got := r.String(text); leaked(got) != "" || !strings.Contains(got, redact.Mask) {
				t.Fatalf("part of %d: %q -> %q", k, text, got)
			}
		}
	}
	// shorter than MinPart is left alone (it says nothing of the token)
	if got := r.String("T" + tok[:redact.MinPart-1]); strings.Contains(got, redact.Mask) {
		t.Errorf("a 3-character coincidence was masked: %q", got)
	}
	// forms a server may echo the token in
	slashy := "ab/cd+ef=gh/ij"
	r2 := redact.New(slashy)
	for _, v := range []string{`ab\/cd+ef=gh\/ij`, "ab%2Fcd%2Bef%3Dgh%2Fij"} {
		if got := r2.String("x " + v + " y"); got != "x ***REDACTED*** y" {
			t.Errorf("%s -> %q", v, got)
		}
	}
	// a short secret is masked only whole
	if got := redact.New("ab").String("ab abc"); got != "***REDACTED*** ***REDACTED***c" {
		t.Errorf("short secret: %q", got)
	}
}

func TestControlCharactersEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[31mred\x1b[0m":     `\x1b[31mred\x1b[0m`,
		"one\r\ntwo\tthree":      "one  two three",
		"bell\a nul\x00 del\x7f": `bell\x07 nul\x00 del\x7f`,
		"csi\u009b2J":            `csi\u009b2J`,
		"rtl\u202eevil\u2066":    `rtl\u202eevil\u2066`,
		"bad \xff utf8":          `bad \xff utf8`,
		"plain café, 東京 ✓":       "plain café, 東京 ✓",
		"line\u2028sep":          `line\u2028sep`,
	} {
		if got := redact.Line(in, 0); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := redact.Block("a\nb\tc\rd\x1b", 0); got != "a\nb\tc d\\x1b" {
		t.Errorf("Block = %q", got)
	}
}

func TestCap(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"東京東京東京東京東京東京", 5, "東京東京…"},
		{"ab\x1bcd", 5, "ab…"}, // an escape is never cut in two
		{"ab\x1b", 6, `ab\x1b`},
		{strings.Repeat("z", 3<<20), 200, strings.Repeat("z", 199) + "…"},
	} {
		if got := redact.Line(c.in, c.max); got != c.want {
			t.Errorf("Line(%.20q, %d) = %.40q, want %.40q", c.in, c.max, got, c.want)
		}
	}
}

// FuzzLine: for any text, token and size, Line shows no token, no raw
// control character, and at most max characters. (Secrets with a "*" or
// inside the mask itself are left out: the mask could spell them.)
func FuzzLine(f *testing.F) {
	f.Add("x"+tok+"y", tok, 10)
	f.Add("\x1b]0;title\a"+tok[:9], tok, 200)
	f.Add(tok[5:]+"\r\n", tok, 3)
	f.Fuzz(func(t *testing.T, text, secret string, max int) {
		if max < 0 || max > 1000 || len(secret) < redact.MinPart || strings.Contains(secret, "*") || strings.Contains(redact.Mask, secret) {
			t.Skip()
		}
		got := redact.New(secret).Line(text, max)
		if strings.Contains(got, secret) {
			t.Fatalf("the secret survived: %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("raw control character %U in %q", r, got)
			}
		}
		if max > 0 && utf8.RuneCountInString(got) > max {
			t.Fatalf("%d characters, max %d", utf8.RuneCountInString(got), max)
		}
	})
}

// Several secrets: a part of one never hides a longer match of another, and
// a match that begins inside another is found.
func TestSeveralSecrets(t *testing.T) {
	r := redact.New("sandbox-token", "sandbox-readonly-token")
	for _, text := range []string{"body sandbox-toke", "sandbox-readonly-tok", "sandbox-token sandbox-readonly-token"} {
		got := r.String(text)
		for _, sec := range []string{"sandbox-token", "sandbox-readonly-token"} {
			if l := redacttest.Leaked(got, sec); l != "" {
				t.Errorf("%q -> %q shows %q", text, got, l)
			}
		}
	}
	if got := redact.New("abab-xyz").String("ababab-xyz!"); got != "***REDACTED***!" {
		t.Errorf("overlapping match: %q", got)
	}
}
