package account

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
