// Package directory knows the teams, users and bots an account offers: bots
// from Wati's chatbot list, teams from contacts' teams plus declared ones,
// users declared by admins; a cache per account. It never prints.
//
// API CONTRACT (others code against these names):
//
//	type Kind string  // "team" | "user" | "bot"
//	type Entry struct {
//		Kind   Kind
//		Name   string   // team name, user display name, bot name
//		Email  string   // users
//		ID     string   // bots
//		Source string   // "wati", "contacts", "declared", "messages" (suggestion only)
//	}
//	type Listing struct {
//		Account  string
//		Entries  []Entry
//		SyncedAt time.Time   // zero when never synced
//		Stale    bool
//		Offline  bool        // the account could not be reached; cache or declared only
//	}
//	func (l *Listing) Of(k Kind) []Entry
//	type Service struct{ ... }
//	func NewService(cacheDir, actionsDir string, ttl time.Duration) *Service
//	func (s *Service) List(ctx context.Context, account string, c *wati.Client) (*Listing, error) // cache + declared; refreshes when stale and c != nil
//	func (s *Service) Sync(ctx context.Context, account string, c *wati.Client, progress func(done, total int)) (*Listing, error)
//	func (s *Service) Declare(e Entry) error        // writes directory.yaml in the actions folder
//	func (s *Service) Undeclare(k Kind, key string) error
package directory
