package sandbox_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// The sandbox knows each of the spec's operations: it serves it or answers
// 404, and it serves no v3 route the spec does not have.
func TestSpecOperationsAreTheSpecs(t *testing.T) {
	implemented, notServed := sandbox.SpecOperations()
	got := append(append([]string{}, implemented...), notServed...)
	sort.Strings(got)
	want := watitest.Operations()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the sandbox's v3 operations:\n%s\n\nWati's spec:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, op := range []string{
		"PUT /api/ext/v3/conversations/{target}/operator", "PUT /api/ext/v3/conversations/{target}/status",
		"GET /api/ext/v3/conversations/{target}/messages", "POST /api/ext/v3/chatbots/start", "GET /api/ext/v3/chatbots",
		"PUT /api/ext/v3/contacts/teams", "GET /api/ext/v3/contacts/{target}", "GET /api/ext/v3/contacts",
		"GET /api/ext/v3/contacts/count", "GET /api/ext/v3/channels",
	} {
		found := false
		for _, i := range implemented {
			found = found || i == op
		}
		if !found {
			t.Errorf("%s is not implemented", op)
		}
	}
}
