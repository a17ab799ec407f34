package sandbox

import (
	"net/http/httptest"
	"slices"
	"testing"
)

// A helper implementing one of the spec's operations adds its route
// anywhere in the table: it wins over the 404 stub, which drops out of
// SpecOperations' not-served list.
func TestImplementedRouteWinsOverItsStub(t *testing.T) {
	saved := routes
	t.Cleanup(func() { routes = saved })
	const op = "POST /api/ext/v3/conversations/messages/interactive"
	_, before := SpecOperations()
	if !slices.Contains(before, op) {
		t.Fatalf("%s is not a stub to begin with", op)
	}
	impl := &route{method: "POST", path: seg("api/ext/v3/conversations/messages/interactive"), write: true}
	routes = append(append([]*route{}, saved...), impl)
	rt, _, _ := (&Server{}).route(httptest.NewRequest("POST", "/api/ext/v3/conversations/messages/interactive", nil))
	if rt != impl {
		t.Fatalf("route %+v, want the implemented one", rt)
	}
	served, notServed := SpecOperations()
	if !slices.Contains(served, op) || slices.Contains(notServed, op) {
		t.Fatalf("served %v, not served %v", served, notServed)
	}
}
