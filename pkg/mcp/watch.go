package mcp

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the folder must be quiet before a reload:
// editors and atomic saves produce bursts of events for one change.
const DefaultDebounce = 200 * time.Millisecond

// Watch reloads the tools whenever a YAML file in dir is created, written,
// renamed or removed, once the folder has been quiet for debounce (0:
// DefaultDebounce). It returns when ctx ends, or at once when the folder
// cannot be watched. ready, when non-nil, is called once the watch is in
// place (and the folder read once more, so nothing changed in between is
// missed).
func (s *Server) Watch(ctx context.Context, dir string, debounce time.Duration, ready func()) error {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return err
	}
	// Catch what changed between the first load and the watch.
	_ = s.Reload(ctx)
	if ready != nil {
		ready()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev) {
				continue
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.opts.Logf("warning: watching %s: %v", dir, err)
		case <-timer.C:
			_ = s.Reload(ctx) // Reload reports its own problems
		}
	}
}

// relevant reports whether an event may change the set of actions: a YAML
// file appearing, changing or going away. Chmod and editor swap files do not.
func relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	ext := strings.ToLower(filepath.Ext(base))
	return ext == ".yaml" || ext == ".yml"
}
