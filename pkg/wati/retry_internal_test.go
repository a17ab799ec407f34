package wati

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"999999999", 24 * time.Hour}, // absurd values are bounded (the cap decides later)
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second},
		{"soon", 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	c, err := New(Config{BaseURL: "https://x.io", RetryBaseWait: 100 * time.Millisecond, RetryMaxWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for n, upper := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 9: time.Second} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := c.backoff(n)
			if d < upper/2 || d > upper {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, upper/2, upper)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Fatalf("backoff(%d) has no jitter", n)
		}
	}
}

func TestStripBearer(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "Bearer abc": "abc", "  bearer   abc  ": "abc", "BEARER abc": "abc", "Bearer Bearer abc": "abc", "Bearerabc": "Bearerabc", "": ""} {
		if got := StripBearer(in); got != want {
			t.Errorf("StripBearer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorTexts(t *testing.T) {
	e := &Error{Kind: KindForbidden, Op: "v3 list contacts", Status: 403}
	if e.Hint() != "The token needs one of these scopes: api (Wati does not document narrower scopes for this call). A 403 can also mean a role, plan, channel or workspace restriction." {
		t.Fatal(e.Hint())
	}
	for k, code := range map[Kind]int{KindUnauthorized: 4, KindForbidden: 4, KindNotFound: 5, KindConflict: 1, KindRateLimited: 6,
		KindUnavailable: 6, KindOutcomeUnknown: 7, KindRejected: 1, KindMalformed: 1, KindBadRequest: 1, KindRedirect: 3, KindInvalid: 2, KindUnsupported: 1} {
		if got := (&Error{Kind: k}).ExitCode(); got != code {
			t.Errorf("%s: exit %d, want %d", k, got, code)
		}
	}
}

func TestRequestsKeepsTheLatest(t *testing.T) {
	c, err := New(Config{BaseURL: "https://x.io", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*maxKeptRequests+10; i++ {
		c.record(t.Context(), Request{Method: "PUT", Status: i})
	}
	r := c.Requests()
	if len(r) != maxKeptRequests || r[len(r)-1].Status != 2*maxKeptRequests+9 || r[0].Status != maxKeptRequests+10 {
		t.Fatalf("%d kept, first %d, last %d", len(r), r[0].Status, r[len(r)-1].Status)
	}
}
