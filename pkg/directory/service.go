package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/wati"
)

// Kind is team, user or bot.
type Kind string

const (
	KindTeam Kind = "team"
	KindUser Kind = "user"
	KindBot  Kind = "bot"
)

// ParseKind accepts team, user or bot (and their plurals).
func ParseKind(s string) (Kind, error) {
	switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "s") {
	case "team":
		return KindTeam, nil
	case "user":
		return KindUser, nil
	case "bot":
		return KindBot, nil
	}
	return "", errorf(exitUsage, "Use team, user or bot.", "unknown type %q", s)
}

// Where an entry was found.
const (
	SourceWati     = "wati"     // Wati's chatbot list
	SourceContacts = "contacts" // a team on at least one contact
	SourceDeclared = "declared" // .directory.yaml
	SourceMessages = "messages" // operator names in messages (suggestions only; not collected yet)
)

// Entry is one team, user or bot an account offers.
type Entry struct {
	Kind   Kind   `json:"kind" yaml:"kind"`
	Name   string `json:"name,omitempty" yaml:"name,omitempty"`
	Email  string `json:"email,omitempty" yaml:"email,omitempty"`
	ID     string `json:"id,omitempty" yaml:"id,omitempty"`
	Source string `json:"source" yaml:"-"`
	// Contacts is how many scanned contacts are in this team (source contacts).
	Contacts int `json:"contacts,omitempty" yaml:"-"`
	// Declared is true when the entry is also (or only) in .directory.yaml.
	Declared bool `json:"declared,omitempty" yaml:"-"`
}

// Key is what identifies the entry within its kind: a team's name, a
// user's email, a bot's id.
func (e Entry) Key() string {
	switch e.Kind {
	case KindUser:
		return e.Email
	case KindBot:
		return e.ID
	}
	return e.Name
}

// Label is how people see the entry: "Billing", "Maria Lopez <maria@acme.com>",
// "Returns flow (607f1f77bcf86cd799439011)".
func (e Entry) Label() string {
	switch e.Kind {
	case KindUser:
		if e.Name != "" {
			return e.Name + " <" + e.Email + ">"
		}
		return e.Email
	case KindBot:
		if e.Name != "" {
			return e.Name + " (" + e.ID + ")"
		}
		return e.ID
	}
	return e.Name
}

// Listing is what an account offers, with the age of what is known.
type Listing struct {
	Account  string    `json:"account"`
	Entries  []Entry   `json:"entries"`
	SyncedAt time.Time `json:"synced_at"` // zero when never synced
	Stale    bool      `json:"stale"`     // never synced, or older than the TTL
	Offline  bool      `json:"offline"`   // a refresh could not reach the account: cache and declared only

	// ContactsScanned is how many contacts the last sync read for teams;
	// ContactsComplete whether that was all of them (else the page bound hit).
	ContactsScanned  int  `json:"contacts_scanned"`
	ContactsComplete bool `json:"contacts_complete"`
	// Warnings are what a sync could not read (e.g. chatbots refused by plan or scope).
	Warnings []string `json:"warnings,omitempty"`
	// RefreshErr is why a refresh List attempted failed (nil when none was
	// attempted or it worked). The listing still holds the cache.
	RefreshErr error `json:"-"`
}

// Of returns the entries of one kind.
func (l *Listing) Of(k Kind) []Entry {
	var out []Entry
	for _, e := range l.Entries {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Find returns the entry of kind k whose key (team name, user email any
// case, bot id) is key.
func (l *Listing) Find(k Kind, key string) (Entry, bool) {
	for _, e := range l.Entries {
		if e.Kind == k && (e.Key() == key || (k == KindUser && strings.EqualFold(e.Email, key))) {
			return e, true
		}
	}
	return Entry{}, false
}

// Age is how old the cache is at now (0 when never synced).
func (l *Listing) Age(now time.Time) time.Duration {
	if l.SyncedAt.IsZero() {
		return 0
	}
	return now.Sub(l.SyncedAt)
}

// Source is what a sync reads: *wati.Client, or a fake in tests.
type Source interface {
	ListChatbots(ctx context.Context) ([]wati.Chatbot, error)
	ListContacts(ctx context.Context, page, size int) (*wati.ContactPage, error)
}

// Service lists and caches what accounts offer.
type Service struct {
	cacheDir, actionsDir string
	ttl                  time.Duration

	// Now is the clock (tests replace it).
	Now func() time.Time
	// ContactPages bounds the contact pages one sync reads for teams (default 5).
	ContactPages int
	// ContactPageSize is the contacts per page (default 100).
	ContactPageSize int
	// ContactLimiter paces contact list calls. The default keeps within Wati's
	// published limit of 10 requests per 10 s: a burst of 5, then one per 2 s.
	ContactLimiter *rate.Limiter
}

// Defaults of a Service.
const (
	DefaultTTL             = 24 * time.Hour
	DefaultContactPages    = 5
	DefaultContactPageSize = 100
)

// NewService returns a directory service; nothing touches disk until a method runs.
func NewService(cacheDir, actionsDir string, ttl time.Duration) *Service {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Service{
		cacheDir: cacheDir, actionsDir: actionsDir, ttl: ttl,
		Now:             time.Now,
		ContactPages:    DefaultContactPages,
		ContactPageSize: DefaultContactPageSize,
		ContactLimiter:  rate.NewLimiter(rate.Every(2*time.Second), 5),
	}
}

// TTL is the age at which a cache is stale.
func (s *Service) TTL() time.Duration { return s.ttl }

// cache is the JSON file kept per account.
type cache struct {
	Version          int       `json:"version"`
	Account          string    `json:"account"`
	SyncedAt         time.Time `json:"synced_at"`
	ContactsScanned  int       `json:"contacts_scanned"`
	ContactsComplete bool      `json:"contacts_complete"`
	Warnings         []string  `json:"warnings,omitempty"`
	Entries          []Entry   `json:"entries"`
}

var accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) }) // lazy: nothing compiled at start-up

// CachePath is the cache file of an account.
func (s *Service) CachePath(account string) string {
	return filepath.Join(s.cacheDir, "directory", account+".json")
}

func (s *Service) readCache(account string) (*cache, error) {
	if account == "" {
		return nil, nil
	}
	if !accountRE().MatchString(account) {
		return nil, errorf(exitUsage, "", "invalid account name %q", account)
	}
	data, err := os.ReadFile(s.CachePath(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errorf(exitConfig, "", "reading the directory cache: %v", err)
	}
	var c cache
	if err := json.Unmarshal(data, &c); err != nil || c.Version != 1 {
		return nil, nil // a damaged or foreign cache is as good as none: the next sync rewrites it
	}
	return &c, nil
}

func (s *Service) writeCache(c *cache) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.CachePath(c.Account), append(data, '\n'), 0o600); err != nil {
		return errorf(exitConfig, "Check HANDOFF_CACHE_DIR.", "writing the directory cache: %v", err)
	}
	return nil
}

// Forget deletes an account's cache (when the account is removed or re-pointed).
func (s *Service) Forget(account string) error {
	if account == "" || !accountRE().MatchString(account) {
		return nil
	}
	err := os.Remove(s.CachePath(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// List returns the cache and the declared entries. When c is not nil and the
// cache is stale (or missing) it syncs first; when that fails the cache is
// served anyway, with Offline set when the account could not be reached and
// RefreshErr saying why. An empty account gives the declared entries only.
func (s *Service) List(ctx context.Context, account string, c *wati.Client) (*Listing, error) {
	cached, err := s.listCached(account)
	if err != nil {
		return nil, err
	}
	if c == nil || account == "" || !cached.Stale {
		return cached, nil
	}
	fresh, err := s.Sync(ctx, account, c, nil)
	if err == nil {
		return fresh, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	cached.Offline = IsOffline(err)
	cached.RefreshErr = err
	return cached, nil
}

func (s *Service) listCached(account string) (*Listing, error) {
	declared, err := s.Declared()
	if err != nil {
		return nil, err
	}
	c, err := s.readCache(account)
	if err != nil {
		return nil, err
	}
	if c == nil {
		c = &cache{Account: account}
	}
	return s.merge(c, declared), nil
}

// merge joins a cache and the declared entries: a team both seen on
// contacts and declared is one entry (source contacts, Declared true).
func (s *Service) merge(c *cache, declared []Entry) *Listing {
	l := &Listing{
		Account:          c.Account,
		SyncedAt:         c.SyncedAt,
		ContactsScanned:  c.ContactsScanned,
		ContactsComplete: c.ContactsComplete,
		Warnings:         c.Warnings,
		Entries:          append([]Entry(nil), c.Entries...),
	}
	l.Stale = c.SyncedAt.IsZero() || s.Now().Sub(c.SyncedAt) > s.ttl
	idx := map[string]int{}
	for i, e := range l.Entries {
		idx[string(e.Kind)+"\x00"+strings.ToLower(e.Key())] = i
	}
	for _, d := range declared {
		k := string(d.Kind) + "\x00" + strings.ToLower(d.Key())
		if i, ok := idx[k]; ok && (d.Kind == KindUser || l.Entries[i].Name == d.Name) {
			l.Entries[i].Declared = true
			if l.Entries[i].Name == "" {
				l.Entries[i].Name = d.Name
			}
			continue
		}
		d.Declared = true
		idx[k] = len(l.Entries)
		l.Entries = append(l.Entries, d)
	}
	sortEntries(l.Entries)
	return l
}

var kindOrder = map[Kind]int{KindTeam: 0, KindUser: 1, KindBot: 2}

func sortEntries(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Kind != b.Kind {
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		al, bl := strings.ToLower(a.Label()), strings.ToLower(b.Label())
		if al != bl {
			return al < bl
		}
		return a.Key() < b.Key()
	})
}

// Sync reads what the account offers from Wati and rewrites its cache:
// chatbots (all pages) and the teams found on contacts (at most
// ContactPages pages, paced by ContactLimiter). progress, when not nil, is
// called after each contact page with the pages read and the page bound.
func (s *Service) Sync(ctx context.Context, account string, c *wati.Client, progress func(done, total int)) (*Listing, error) {
	if c == nil {
		return nil, errorf(exitConfig, "", "no Wati client for account %q", account)
	}
	return s.SyncFrom(ctx, account, c, progress)
}

// SyncFrom is Sync reading from any Source.
func (s *Service) SyncFrom(ctx context.Context, account string, src Source, progress func(done, total int)) (*Listing, error) {
	if account == "" || !accountRE().MatchString(account) {
		return nil, errorf(exitUsage, "", "invalid account name %q", account)
	}
	declared, err := s.Declared()
	if err != nil {
		return nil, err
	}
	c := &cache{Version: 1, Account: account}

	bots, botErr := src.ListChatbots(ctx)
	if botErr != nil {
		if !softFailure(botErr) {
			return nil, botErr
		}
		c.Warnings = append(c.Warnings, "chatbots not listed: "+botErr.Error())
	}
	seenBot := map[string]bool{}
	for _, b := range bots {
		if b.ID == "" || seenBot[b.ID] {
			continue
		}
		seenBot[b.ID] = true
		c.Entries = append(c.Entries, Entry{Kind: KindBot, Name: b.Name, ID: b.ID, Source: SourceWati})
	}

	teams, order := map[string]int{}, []string(nil)
	pages, size := s.ContactPages, s.ContactPageSize
	if pages <= 0 {
		pages = DefaultContactPages
	}
	if size <= 0 {
		size = DefaultContactPageSize
	}
	for p := 1; p <= pages; p++ {
		if s.ContactLimiter != nil {
			if err := s.ContactLimiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		page, err := src.ListContacts(ctx, p, size)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if p == 1 && (!softFailure(err) || botErr != nil) {
				return nil, err // nothing could be read: keep the old cache
			}
			if p == 1 {
				c.Warnings = append(c.Warnings, "teams not read from contacts: "+err.Error())
			} else {
				c.Warnings = append(c.Warnings, fmt.Sprintf("contacts: stopped at page %d: %v", p, err))
			}
			break
		}
		for _, ct := range page.Contacts {
			for _, t := range ct.Teams {
				t = strings.TrimSpace(t)
				if t == "" {
					continue
				}
				if _, ok := teams[t]; !ok {
					order = append(order, t)
				}
				teams[t]++
			}
		}
		c.ContactsScanned += len(page.Contacts)
		if progress != nil {
			progress(p, pages)
		}
		if len(page.Contacts) < size {
			c.ContactsComplete = true
			break
		}
	}
	for _, t := range order {
		c.Entries = append(c.Entries, Entry{Kind: KindTeam, Name: t, Source: SourceContacts, Contacts: teams[t]})
	}
	sortEntries(c.Entries)
	c.SyncedAt = s.Now().UTC().Truncate(time.Second)
	if err := s.writeCache(c); err != nil {
		return nil, err
	}
	return s.merge(c, declared), nil
}

// softFailure is an error that leaves the rest of a sync worth doing: the
// call is refused for this token or plan (403), or has no route (404, v1
// lacking a list), while other calls may work.
func softFailure(err error) bool {
	var we *wati.Error
	if errors.As(err, &we) {
		switch we.Kind {
		case wati.KindForbidden, wati.KindNotFound, wati.KindUnsupported, wati.KindBadRequest, wati.KindMalformed:
			return true
		}
	}
	return false
}

// IsOffline reports whether err means the account could not be reached
// (network, timeout, 5xx or rate limit after all retries).
func IsOffline(err error) bool {
	var we *wati.Error
	if errors.As(err, &we) {
		return we.Kind == wati.KindUnavailable || we.Kind == wati.KindRateLimited
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}
