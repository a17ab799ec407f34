package directory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/wati"
)

type fakeSource struct {
	bots      []wati.Chatbot
	botErr    error
	contacts  []wati.Contact
	pageErr   map[int]error
	calls     atomic.Int32
	pagesRead []int
}

func (f *fakeSource) ListChatbots(ctx context.Context) ([]wati.Chatbot, error) {
	return f.bots, f.botErr
}

func (f *fakeSource) ListContacts(ctx context.Context, page, size int) (*wati.ContactPage, error) {
	f.calls.Add(1)
	f.pagesRead = append(f.pagesRead, page)
	if err := f.pageErr[page]; err != nil {
		return nil, err
	}
	lo := (page - 1) * size
	if lo > len(f.contacts) {
		lo = len(f.contacts)
	}
	hi := min(lo+size, len(f.contacts))
	return &wati.ContactPage{Contacts: f.contacts[lo:hi], PageNumber: page, PageSize: size}, nil
}

func contacts(n int, teams ...string) []wati.Contact {
	out := make([]wati.Contact, n)
	for i := range out {
		out[i] = wati.Contact{ID: fmt.Sprint(i), Teams: []string{teams[i%len(teams)]}}
	}
	return out
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T) (*Service, *clock) {
	t.Helper()
	dir := t.TempDir()
	s := NewService(filepath.Join(dir, "cache"), filepath.Join(dir, "actions"), time.Hour)
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.Now = c.now
	s.ContactLimiter = nil
	s.ContactPageSize = 10
	return s, c
}

func codeOf(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return -1
}

func TestSyncBotsAndTeams(t *testing.T) {
	s, clk := newService(t)
	src := &fakeSource{
		bots:     []wati.Chatbot{{ID: "607f1f77bcf86cd799439011", Name: "Returns flow"}, {ID: "607f1f77bcf86cd799439012", Name: "Billing bot"}},
		contacts: append(contacts(24, "Billing", "Support", "Billing"), wati.Contact{Teams: []string{" ", "Sales"}}),
	}
	var progress []string
	l, err := s.SyncFrom(context.Background(), "acme", src, func(d, n int) { progress = append(progress, fmt.Sprintf("%d/%d", d, n)) })
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(progress); got != "[1/5 2/5 3/5]" {
		t.Errorf("progress = %s", got)
	}
	if l.ContactsScanned != 25 || !l.ContactsComplete || l.Stale || l.Offline {
		t.Errorf("listing facts = %+v", l)
	}
	var got []string
	for _, e := range l.Entries {
		got = append(got, fmt.Sprintf("%s:%s:%s:%d", e.Kind, e.Label(), e.Source, e.Contacts))
	}
	want := "[team:Billing:contacts:16 team:Sales:contacts:1 team:Support:contacts:8 bot:Billing bot (607f1f77bcf86cd799439012):wati:0 bot:Returns flow (607f1f77bcf86cd799439011):wati:0]"
	if fmt.Sprint(got) != want {
		t.Errorf("entries =\n%v\nwant\n%v", got, want)
	}

	// The cache serves without a client, and goes stale after the TTL.
	l2, err := s.List(context.Background(), "acme", nil)
	if err != nil || len(l2.Entries) != 5 || l2.Stale || !l2.SyncedAt.Equal(clk.t) {
		t.Fatalf("List from cache = %+v, %v", l2, err)
	}
	clk.t = clk.t.Add(61 * time.Minute)
	l3, _ := s.List(context.Background(), "acme", nil)
	if !l3.Stale || l3.Age(clk.t) != 61*time.Minute {
		t.Fatalf("cache should be stale after the TTL: %+v", l3)
	}
}

func TestSyncBoundsContactPages(t *testing.T) {
	s, _ := newService(t)
	s.ContactPages = 3
	src := &fakeSource{contacts: contacts(100, "A", "B")}
	l, err := s.SyncFrom(context.Background(), "acme", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.calls.Load() != 3 || l.ContactsScanned != 30 || l.ContactsComplete {
		t.Fatalf("calls %d scanned %d complete %v", src.calls.Load(), l.ContactsScanned, l.ContactsComplete)
	}
}

func TestSyncPacesContactCalls(t *testing.T) {
	s, _ := newService(t)
	s.ContactLimiter = rate.NewLimiter(rate.Every(20*time.Millisecond), 1)
	src := &fakeSource{contacts: contacts(40, "A")}
	start := time.Now()
	if _, err := s.SyncFrom(context.Background(), "acme", src, nil); err != nil {
		t.Fatal(err)
	}
	// 5 calls (4 full pages and an empty one) at one per 20 ms: at least 80 ms.
	if el := time.Since(start); src.calls.Load() != 5 || el < 75*time.Millisecond {
		t.Fatalf("%d calls in %v: not paced", src.calls.Load(), el)
	}
}

func TestSyncSoftAndHardFailures(t *testing.T) {
	forbidden := &wati.Error{Kind: wati.KindForbidden, Op: "v3 list chatbots", Status: 403}
	unavailable := &wati.Error{Kind: wati.KindUnavailable, Op: "v3 list contacts", Status: 503}
	unauthorized := &wati.Error{Kind: wati.KindUnauthorized, Op: "v3 list chatbots", Status: 401}

	// Chatbots refused (plan or scope): teams still come, with a warning.
	s, _ := newService(t)
	l, err := s.SyncFrom(context.Background(), "acme", &fakeSource{botErr: forbidden, contacts: contacts(3, "Billing")}, nil)
	if err != nil || len(l.Of(KindTeam)) != 1 || len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "chatbots") {
		t.Fatalf("soft bot failure: %+v %v", l, err)
	}

	// A later contact page failing keeps what was read, with a warning.
	s.ContactPageSize = 2
	l, err = s.SyncFrom(context.Background(), "acme", &fakeSource{contacts: contacts(5, "A", "B", "C"), pageErr: map[int]error{2: unavailable}}, nil)
	if err != nil || len(l.Of(KindTeam)) != 2 || l.ContactsComplete || len(l.Warnings) != 1 {
		t.Fatalf("partial contacts: %+v %v", l, err)
	}

	// 401, or nothing readable at all: error, and the old cache stays.
	before, _ := os.ReadFile(s.CachePath("acme"))
	if _, err := s.SyncFrom(context.Background(), "acme", &fakeSource{botErr: unauthorized}, nil); codeOf(err) != 4 {
		t.Fatalf("401 = %v", err)
	}
	if _, err := s.SyncFrom(context.Background(), "acme", &fakeSource{pageErr: map[int]error{1: unavailable}}, nil); codeOf(err) != 6 {
		t.Fatalf("contacts unavailable = %v", err)
	}
	after, _ := os.ReadFile(s.CachePath("acme"))
	if string(before) != string(after) {
		t.Fatal("a failed sync changed the cache")
	}
}

func TestListOfflineServesCache(t *testing.T) {
	s, clk := newService(t)
	if _, err := s.SyncFrom(context.Background(), "acme", &fakeSource{contacts: contacts(2, "Billing")}, nil); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(48 * time.Hour)
	// A client for an address nothing listens on: the refresh fails, the cache serves.
	c, err := wati.New(wati.Config{BaseURL: "http://127.0.0.1:1", Token: "t", MaxAttempts: 1, RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.List(context.Background(), "acme", c)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Offline || !l.Stale || l.RefreshErr == nil || len(l.Of(KindTeam)) != 1 || l.Age(clk.t) != 48*time.Hour {
		t.Fatalf("offline listing = %+v", l)
	}
}

func TestDeclareUndeclareKeepsComments(t *testing.T) {
	s, _ := newService(t)
	os.MkdirAll(filepath.Dir(s.DeclaredPath()), 0o755)
	orig := `# Our support org.
teams:
  - Billing   # the finance desk
  - name: Support
users:
  # night shift
  - email: maria@acme.com
    name: Maria Lopez
`
	os.WriteFile(s.DeclaredPath(), []byte(orig), 0o644)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Declare(Entry{Kind: KindTeam, Name: "Sales"}))
	must(s.Declare(Entry{Kind: KindTeam, Name: "Billing"})) // already there: no change
	must(s.Declare(Entry{Kind: KindUser, Email: "omar@acme.com", Name: "Omar"}))
	must(s.Declare(Entry{Kind: KindUser, Email: "MARIA@acme.com", Name: "Maria L."}))
	must(s.Undeclare(KindTeam, "Support"))
	data, _ := os.ReadFile(s.DeclaredPath())
	got := string(data)
	for _, want := range []string{"# Our support org.", "# the finance desk", "# night shift", "- Sales", "email: omar@acme.com", "name: Maria L."} {
		if !strings.Contains(got, want) {
			t.Errorf(".directory.yaml lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Support") || strings.Count(got, "Billing") != 1 {
		t.Errorf(".directory.yaml:\n%s", got)
	}
	es, err := s.Declared()
	if err != nil || len(es) != 4 {
		t.Fatalf("Declared = %v %v", es, err)
	}
	err = s.Undeclare(KindUser, "nobody@acme.com")
	if codeOf(err) != 5 || !strings.Contains(err.Error(), "not declared") {
		t.Fatalf("Undeclare unknown = %v", err)
	}
	if err := s.Declare(Entry{Kind: KindUser, Email: "not an email"}); codeOf(err) != 2 {
		t.Fatalf("bad email = %v", err)
	}
	if err := s.Declare(Entry{Kind: KindTeam, Name: "  "}); codeOf(err) != 2 {
		t.Fatalf("blank team = %v", err)
	}
	if err := s.Declare(Entry{Kind: KindBot, ID: "x"}); codeOf(err) != 2 {
		t.Fatalf("declared bot = %v", err)
	}
}

func TestDeclareCreatesFile(t *testing.T) {
	s, _ := newService(t)
	if err := s.Declare(Entry{Kind: KindUser, Email: "maria@acme.com", Name: "Maria Lopez"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Declare(Entry{Kind: KindTeam, Name: "Billing"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.DeclaredPath())
	want := `users:
  - email: maria@acme.com
    name: Maria Lopez
teams:
  - Billing
`
	if !strings.HasSuffix(string(data), want) || !strings.HasPrefix(string(data), "# Teams and users") {
		t.Fatalf(".directory.yaml =\n%s", data)
	}
}

func TestDeclaredMergesWithCache(t *testing.T) {
	s, _ := newService(t)
	s.Declare(Entry{Kind: KindTeam, Name: "Billing"})
	s.Declare(Entry{Kind: KindTeam, Name: "VIP"})
	s.Declare(Entry{Kind: KindUser, Email: "maria@acme.com"})
	if _, err := s.SyncFrom(context.Background(), "acme", &fakeSource{contacts: contacts(2, "Billing", "Support")}, nil); err != nil {
		t.Fatal(err)
	}
	l, _ := s.List(context.Background(), "acme", nil)
	var got []string
	for _, e := range l.Entries {
		got = append(got, fmt.Sprintf("%s/%s/%s/%v", e.Kind, e.Key(), e.Source, e.Declared))
	}
	want := "[team/Billing/contacts/true team/Support/contacts/false team/VIP/declared/true user/maria@acme.com/declared/true]"
	if fmt.Sprint(got) != want {
		t.Fatalf("merged = %v\nwant %v", got, want)
	}
	// No account: declared only.
	l, _ = s.List(context.Background(), "", nil)
	if len(l.Entries) != 3 {
		t.Fatalf("declared only = %v", l.Entries)
	}
}

func TestBadDeclaredFile(t *testing.T) {
	s, _ := newService(t)
	os.MkdirAll(filepath.Dir(s.DeclaredPath()), 0o755)
	for _, c := range []struct{ yaml, msg string }{
		{"team:\n  - Billing\n", ".directory.yaml:1:1: unknown key \"team\""},
		{"users:\n  - email: maria\n", ".directory.yaml:2:5"},
		{"users:\n  - email: a@b.co\n    phone: 1\n", "unknown field \"phone\""},
		{"teams: Billing\n", "teams must be a list"},
		{"teams: [\n", ".directory.yaml"},
	} {
		os.WriteFile(s.DeclaredPath(), []byte(c.yaml), 0o644)
		_, err := s.List(context.Background(), "", nil)
		if codeOf(err) != 3 || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v", c.yaml, err)
		}
		if err := s.Declare(Entry{Kind: KindTeam, Name: "X"}); codeOf(err) != 3 {
			t.Errorf("Declare over a broken file: %v", err)
		}
		data, _ := os.ReadFile(s.DeclaredPath())
		if string(data) != c.yaml {
			t.Errorf("broken file rewritten: %q", data)
		}
	}
}

func TestForgetAndBadNames(t *testing.T) {
	s, _ := newService(t)
	s.SyncFrom(context.Background(), "acme", &fakeSource{}, nil)
	if _, err := os.Stat(s.CachePath("acme")); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.CachePath("acme")); !os.IsNotExist(err) {
		t.Fatal("cache survived Forget")
	}
	if _, err := s.SyncFrom(context.Background(), "../x", &fakeSource{}, nil); codeOf(err) != 2 {
		t.Fatalf("path in account name: %v", err)
	}
}
