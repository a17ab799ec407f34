package validate

import (
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

type (
	actionDocument   = action.Document
	actionDiagnostic = action.Diagnostic
)

func newTestFactory(t *testing.T) *cmdutil.Factory {
	ios, _, _, _ := cmdutil.Test()
	return &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Dir: "actions-dir"}}
}
