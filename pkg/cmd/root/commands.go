package root

import (
	"github.com/spf13/cobra"

	configureCmd "github.com/handoff-dev/handoff/pkg/cmd/configure"
	exportCmd "github.com/handoff-dev/handoff/pkg/cmd/export"
	mcpCmd "github.com/handoff-dev/handoff/pkg/cmd/mcp"
	sandboxCmd "github.com/handoff-dev/handoff/pkg/cmd/sandbox"
	"github.com/handoff-dev/handoff/pkg/cmdutil"

	accountCmd "github.com/handoff-dev/handoff/pkg/cmd/account"
	directoryCmd "github.com/handoff-dev/handoff/pkg/cmd/directory"

	actionCmd "github.com/handoff-dev/handoff/pkg/cmd/action"
	assignCmd "github.com/handoff-dev/handoff/pkg/cmd/assign"
	logCmd "github.com/handoff-dev/handoff/pkg/cmd/log"
	releaseCmd "github.com/handoff-dev/handoff/pkg/cmd/release"
	schemaCmd "github.com/handoff-dev/handoff/pkg/cmd/schema"
	statsCmd "github.com/handoff-dev/handoff/pkg/cmd/stats"
	statusCmd "github.com/handoff-dev/handoff/pkg/cmd/status"
	validateCmd "github.com/handoff-dev/handoff/pkg/cmd/validate"

	doctorCmd "github.com/handoff-dev/handoff/pkg/cmd/doctor"
	initCmd "github.com/handoff-dev/handoff/pkg/cmd/init"
)

// addCommands attaches the command groups. Each group lives in
// pkg/cmd/<group>; add new ones here.
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
	root.AddCommand(validateCmd.NewCmdValidate(f, nil))
	root.AddCommand(schemaCmd.NewCmdSchema(f, nil))
	root.AddCommand(actionCmd.NewCmdAction(f))
	root.AddCommand(assignCmd.NewCmdAssign(f, nil))
	root.AddCommand(logCmd.NewCmdLog(f, nil))
	root.AddCommand(statusCmd.NewCmdStatus(f, nil))
	root.AddCommand(releaseCmd.NewCmdRelease(f, nil))
	root.AddCommand(statsCmd.NewCmdStats(f, nil))
	root.AddCommand(configureCmd.NewCmdConfigure(f, nil))
	root.AddCommand(mcpCmd.NewCmdMCP(f, nil))
	root.AddCommand(exportCmd.NewCmdExport(f, nil))
	root.AddCommand(sandboxCmd.NewCmdSandbox(f, nil))
	root.AddCommand(accountCmd.NewCmdAccount(f))
	root.AddCommand(directoryCmd.NewCmdDirectory(f))
	root.AddCommand(initCmd.NewCmdInit(f, nil))
	root.AddCommand(doctorCmd.NewCmdDoctor(f, nil))
}
