package directory

import (
	"context"
	"errors"
	"time"

	"github.com/handoff-dev/handoff/pkg/wati"
)

// Service lists and caches what accounts offer.
type Service struct {
	cacheDir, actionsDir string
	ttl                  time.Duration
}

// NewService returns a directory service; nothing touches disk until a method runs.
func NewService(cacheDir, actionsDir string, ttl time.Duration) *Service {
	return &Service{cacheDir: cacheDir, actionsDir: actionsDir, ttl: ttl}
}

// ----- contract stubs: replaced by the implementation (issue 4) -----

// Kind is team, user or bot.
type Kind string

const (
	KindTeam Kind = "team"
	KindUser Kind = "user"
	KindBot  Kind = "bot"
)

// Entry is one team, user or bot an account offers.
type Entry struct {
	Kind   Kind   `json:"kind" yaml:"kind"`
	Name   string `json:"name,omitempty" yaml:"name,omitempty"`
	Email  string `json:"email,omitempty" yaml:"email,omitempty"`
	ID     string `json:"id,omitempty" yaml:"id,omitempty"`
	Source string `json:"source" yaml:"-"`
}

// Listing is what an account offers, with the age of what is known.
type Listing struct {
	Account  string    `json:"account"`
	Entries  []Entry   `json:"entries"`
	SyncedAt time.Time `json:"synced_at"`
	Stale    bool      `json:"stale"`
	Offline  bool      `json:"offline"`
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

var errTODO = errors.New("not implemented yet")

func (s *Service) List(ctx context.Context, account string, c *wati.Client) (*Listing, error) {
	return nil, errTODO
}
func (s *Service) Sync(ctx context.Context, account string, c *wati.Client, progress func(done, total int)) (*Listing, error) {
	return nil, errTODO
}
func (s *Service) Declare(e Entry) error              { return errTODO }
func (s *Service) Undeclare(k Kind, key string) error { return errTODO }
