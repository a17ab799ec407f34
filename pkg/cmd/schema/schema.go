// Package schema is `handoff schema`: the JSON Schema of an action file.
package schema

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// Options of `handoff schema`.
type Options struct {
	IO *cmdutil.IOStreams
	// Write is the folder to write action.schema.json into ("" = print it).
	Write string
	JSON  bool
}

// NewCmdSchema returns `handoff schema`.
func NewCmdSchema(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of an action file",
		Long: `Print the JSON Schema (draft 2020-12) of an action file, with descriptions,
enums and the per-type assignee rules. The same schema is committed as
docs/action.schema.json.

With --write DIR it writes DIR/action.schema.json instead (replacing the schema
of an older handoff there, never any other file). Every action file handoff
writes begins with

  # yaml-language-server: $schema=action.schema.json

which editors that speak the YAML language server (VS Code with the YAML
extension, Neovim, Helix, Zed, JetBrains) resolve against the file's own
folder: keep the schema beside the actions and the check works wherever the
folder is copied. handoff configure and handoff init write it when missing.

The schema and "handoff validate" agree on every rule the schema can express;
validate also checks what a schema cannot see: the file name, the accounts
configured on this machine, comments, YAML syntax, size and encoding.`,
		Example: `  handoff schema --write actions/
  handoff schema > action.schema.json
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
	cmd.Flags().StringVar(&opts.Write, "write", "", "write `DIR`/action.schema.json instead of printing the schema")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "with --write: print what was done as a JSON object")
	_ = cmd.MarkFlagDirname("write")
	return cmd
}

func runSchema(opts *Options) error {
	if opts.Write == "" {
		if opts.JSON {
			return cmdutil.WithHint(cmdutil.UsageError("--json goes with --write"), "The schema itself is JSON: handoff schema | jq .")
		}
		_, err := opts.IO.Out.Write(action.Schema())
		return err
	}
	path, status, err := action.WriteSchema(opts.Write, false)
	if err != nil {
		return err
	}
	if opts.JSON {
		return json.NewEncoder(opts.IO.Out).Encode(map[string]string{"path": path, "status": status, "id": action.SchemaURL})
	}
	switch status {
	case action.SchemaUnchanged:
		fmt.Fprintf(opts.IO.Out, "%s is already this version's schema.\n", path)
	default:
		fmt.Fprintf(opts.IO.Out, "Wrote %s (%s).\n", path, status)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Action files beside it that begin with %q are checked as you type.\n", action.Modeline)
	return nil
}
