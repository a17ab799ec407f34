package root

import (
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// addCommands attaches the command groups. Each group lives in
// pkg/cmd/<group>; add new ones here.
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
}
