// Package version is `handoff version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// String formats the version line shown by --version and `handoff version`.
func String(version, commit, date string) string {
	return fmt.Sprintf("%s (commit %s, built %s)", version, commit, date)
}

// NewCmdVersion returns `handoff version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and build date",
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "handoff %s\n", String(f.Version, f.Commit, f.Date))
			return err
		},
	}
}
