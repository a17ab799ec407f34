package action

// Store is the folder of action files (NAME.yaml).
type Store struct {
	Dir string
}

// NewStore returns the store for dir. Nothing touches disk until a method runs.
func NewStore(dir string) *Store { return &Store{Dir: dir} }
