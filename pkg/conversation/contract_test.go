package conversation

import (
	"os"
	"testing"

	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// Every request a Wati client sends in this package's tests, and every
// answer a sandbox gives, is checked against Wati's OpenAPI description.
func TestMain(m *testing.M) { os.Exit(watitest.Main(m)) }
