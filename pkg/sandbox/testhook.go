package sandbox

import (
	"net/http"
	"sync/atomic"
)

type wrapHandler = func(http.Handler) http.Handler

var testHandler atomic.Pointer[wrapHandler]

// SetTestHandler makes every Server started afterwards serve through
// wrap(server) unless its Options.Wrap is set; nil removes it. It is for
// tests only: watitest uses it to check every exchange against Wati's
// OpenAPI description.
func SetTestHandler(wrap func(http.Handler) http.Handler) {
	if wrap == nil {
		testHandler.Store(nil)
		return
	}
	w := wrapHandler(wrap)
	testHandler.Store(&w)
}

func (s *Server) handler() http.Handler {
	if s.opts.Wrap != nil {
		return s.opts.Wrap(s)
	}
	if w := testHandler.Load(); w != nil {
		return (*w)(s)
	}
	return s
}
