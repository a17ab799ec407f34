package wati

import (
	"net/http"
	"sync/atomic"
)

type wrapTransport = func(http.RoundTripper) http.RoundTripper

var testTransport atomic.Pointer[wrapTransport]

// SetTestTransport makes every Client built afterwards send through
// wrap(its transport); nil removes it. It is for tests only: watitest
// uses it to check every request against Wati's OpenAPI description.
func SetTestTransport(wrap func(http.RoundTripper) http.RoundTripper) {
	if wrap == nil {
		testTransport.Store(nil)
		return
	}
	w := wrapTransport(wrap)
	testTransport.Store(&w)
}

func withTestTransport(hc *http.Client) {
	if w := testTransport.Load(); w != nil {
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		hc.Transport = (*w)(next)
	}
}
