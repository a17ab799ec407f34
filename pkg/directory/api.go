// Package directory knows the teams, users and bots an account offers: bots
// from Wati's chatbot list, teams from contacts' teams plus declared ones,
// users declared by admins; a cache per account. It never prints.
//
// Wati documents no list of teams or users. So:
//   - bots: GET chatbots, every page (v3 and v1);
//   - teams: the `teams` of contacts, read page by page (v3 GET contacts;
//     bounded by Service.ContactPages, paced by Service.ContactLimiter to
//     stay within Wati's 10 requests per 10 s), plus teams declared in
//     .directory.yaml; a team no contact belongs to is invisible to Wati's API;
//   - users: declared in .directory.yaml (email, display name) only. Operator
//     names on messages carry no email (and reading them costs a call per
//     conversation), so they are not collected.
//
// The cache is <cacheDir>/directory/<account>.json (synced_at, entries);
// .directory.yaml lives in the actions folder so that it can be committed.
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
//	func (s *Service) Declare(e Entry) error        // writes .directory.yaml in the actions folder
//	func (s *Service) Undeclare(k Kind, key string) error
//
// Added: Entry.Contacts, Entry.Declared, Entry.Key, Entry.Label;
// Listing.ContactsScanned, ContactsComplete, Warnings, RefreshErr, Age, Find;
// Service.SyncFrom (any Source), Declared, DeclaredPath, CachePath, Forget,
// TTL; ParseKind; IsOffline.
package directory
