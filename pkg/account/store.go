package account

import "errors"

// Store reads and writes config.yaml and credentials.yaml in one folder.
type Store struct {
	dir    string
	getenv func(string) string
}

// NewStore returns the store for configDir; nothing touches disk until a method runs.
func NewStore(configDir string, getenv func(string) string) *Store {
	return &Store{dir: configDir, getenv: getenv}
}

// Dir is the configuration folder.
func (s *Store) Dir() string { return s.dir }

// ----- contract stubs: replaced by the implementation (issue 4) -----

// Account is one connected Wati workspace. No secret lives here.
type Account struct {
	Name     string `json:"name" yaml:"-"`
	Endpoint string `json:"endpoint" yaml:"endpoint"`
	API      string `json:"api" yaml:"api,omitempty"`
	TenantID string `json:"tenant_id,omitempty" yaml:"tenant_id,omitempty"`
	Channel  string `json:"channel,omitempty" yaml:"channel,omitempty"`
	Default  bool   `json:"default" yaml:"-"`
}

var errTODO = errors.New("not implemented yet")

func (s *Store) List() ([]Account, error)                      { return nil, nil }
func (s *Store) Names() ([]string, error)                      { return nil, nil }
func (s *Store) Get(name string) (Account, error)              { return Account{}, errTODO }
func (s *Store) Default() (string, error)                      { return "", nil }
func (s *Store) Add(a Account, token string, force bool) error { return errTODO }
func (s *Store) Remove(name string) error                      { return errTODO }
func (s *Store) Use(name string) error                         { return errTODO }
func (s *Store) Token(name string) (token, source string, err error) {
	return "", "none", errTODO
}
func NormalizeEndpoint(raw string) (string, error) { return raw, nil }
