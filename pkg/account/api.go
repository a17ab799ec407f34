// Package account manages connected Wati accounts: config.yaml (no secrets),
// credentials.yaml (0600), token lookup order and endpoint rules. viper lives
// here and in the root command only. It never prints.
//
// API CONTRACT (others code against these names):
//
//	type Account struct {
//		Name, Endpoint, API, TenantID, Channel string
//		Default bool        // true for config's default_account
//	}
//	func NewStore(configDir string, getenv func(string) string) *Store
//	func (s *Store) List() ([]Account, error)
//	func (s *Store) Get(name string) (Account, error)          // unknown: *Error, exit 3, hint lists accounts
//	func (s *Store) Default() (string, error)                  // "" when none
//	func (s *Store) Add(a Account, token string, force bool) error
//	func (s *Store) Remove(name string) error
//	func (s *Store) Use(name string) error
//	func (s *Store) Token(name string) (token, source string, err error) // source: "env HANDOFF_TOKEN_X", "env HANDOFF_TOKEN", "credentials.yaml", "none"
//	func (s *Store) Names() ([]string, error)
//	func NormalizeEndpoint(raw string) (string, error)
package account
