package directory

import "time"

// Service lists and caches what accounts offer.
type Service struct {
	cacheDir, actionsDir string
	ttl                  time.Duration
}

// NewService returns a directory service; nothing touches disk until a method runs.
func NewService(cacheDir, actionsDir string, ttl time.Duration) *Service {
	return &Service{cacheDir: cacheDir, actionsDir: actionsDir, ttl: ttl}
}
