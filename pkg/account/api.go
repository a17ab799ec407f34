// Package account manages connected Wati accounts: config.yaml (no secrets),
// credentials.yaml (0600), token lookup order and endpoint rules. It never
// prints.
//
// config.yaml (shareable; other keys in it are kept):
//
//	default_account: acme-prod
//	accounts:
//	  acme-prod:
//	    endpoint: https://live-mt-server.wati.io
//	    api: v3
//	  legacy:
//	    endpoint: https://live-mt-server.wati.io
//	    api: v1
//	    tenant_id: "123456"
//
// credentials.yaml (mode 0600, refused when group or others can read it):
//
//	tokens:
//	  acme-prod: eyJhbGciOi...
//
// Token order: env HANDOFF_TOKEN_<ACCOUNT>, env HANDOFF_TOKEN, credentials.yaml.
// Every change takes a lock (.lock in the folder) and rewrites the files
// atomically (temporary file, fsync, rename) as YAML node trees, so comments
// and keys written by people or other tools survive.
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
//
// Added: Resolve(name) (name or the default), SetToken, Prepare, ValidName,
// ParseEndpoint, IsLoopback, HostImpliesTenant, Host, TokenEnvVar,
// CleanToken, TokenSource, HasStoredToken, ConfigPath, CredentialsPath,
// ErrUnknownAccount, ErrExists, *Error, *UnsafeFileError.
package account
