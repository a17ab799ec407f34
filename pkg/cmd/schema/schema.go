// Package schema is `handoff schema`: the JSON Schema of an action file.
package schema

import (
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options of `handoff schema`.
type Options struct {
	IO *cmdutil.IOStreams
}

// NewCmdSchema returns `handoff schema`.
func NewCmdSchema(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of an action file",
		Long: `Print the JSON Schema (draft 2020-12) of an action file, with descriptions,
enums and the per-type assignee rules. The same schema is committed as
docs/action.schema.json.

Editors that speak the YAML language server check action files as you type
when the file begins with:

  # yaml-language-server: $schema=<path or URL of action.schema.json>

The schema and "handoff validate" agree on every rule the schema can express;
validate also checks what a schema cannot see: the file name, the accounts
configured on this machine, comments, YAML syntax, size and encoding.`,
		Example: `  handoff schema > action.schema.json
  handoff schema | jq '.properties.assignee'`,
		Args:    cobra.NoArgs,
		GroupID: "core",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSchema(opts)
		},
	}
}

func runSchema(opts *Options) error {
	_, err := opts.IO.Out.Write(action.Schema())
	return err
}
