// Package export is the `handoff export` command: the actions as tool
// definitions for agents that do not speak MCP.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	hmcp "github.com/handoff-dev/handoff/pkg/mcp"
)

// Formats export can write.
var Formats = []string{"openai", "mcp"}

// Options are what `handoff export` runs with.
type Options struct {
	IO      *cmdutil.IOStreams
	Actions func() (*action.Store, error)
	Dir     string
	Format  string
	JSON    bool
}

// NewCmdExport returns `handoff export`.
func NewCmdExport(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Actions: f.Actions}
	cmd := &cobra.Command{
		Use:     "export --format openai|mcp",
		Short:   "Print the actions as tool definitions for AI agents",
		GroupID: "core",
		Args:    cobra.NoArgs,
		Long: `Print the valid actions of the actions folder as tool definitions, the same tools that
"handoff mcp" serves, for agents and frameworks that take tool definitions directly.

Formats:
  openai  an array of OpenAI function tools, {"type": "function", "function": {"name",
          "description", "parameters"}}, ready for the "tools" parameter of the Chat
          Completions API (and the frameworks that copy it)
  mcp     an array of MCP tool definitions, exactly as "handoff mcp" lists them
          (with annotations and output schema)

Each tool's name is the action's name, its description the intent followed by what it
does, and its parameters {"conversation": string, "note"?: string}. When the agent calls
one, run it with: handoff assign NAME --conversation TARGET.

Invalid action files are skipped with a warning on stderr. With --json the output is an
object {"format", "tools", "skipped"} instead of the bare array, so that scripts can see
what was left out.`,
		Example: `  handoff export --format openai > tools.json
  handoff export --format openai --dir ~/support/actions | jq '.[].function.name'
  handoff export --format mcp --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Settings != nil {
				opts.Dir = f.Settings.Dir
			}
			if !slices.Contains(Formats, opts.Format) {
				return cmdutil.WithHint(cmdutil.UsageError("unknown format %q", opts.Format), "Use --format openai or --format mcp.")
			}
			if runF != nil {
				return runF(opts)
			}
			return runExport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "openai", "openai or mcp")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print {\"format\", \"tools\", \"skipped\"} instead of the bare array")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return Formats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runExport(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	store, err := opts.Actions()
	if err != nil {
		return err
	}
	acts, skipped, err := hmcp.StoreLoader(store)(ctx)
	if err != nil {
		return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "reading actions folder %s: %v", opts.Dir, err),
			"Point --dir (or HANDOFF_DIR) at your actions folder.")
	}
	acts, more := hmcp.Select(acts)
	skipped = append(skipped, more...)
	for _, s := range skipped {
		fmt.Fprintf(opts.IO.ErrOut, "warning: skipped %s\n", s)
	}
	var tools any
	switch opts.Format {
	case "mcp":
		list := make([]*sdk.Tool, 0, len(acts))
		for _, a := range acts {
			list = append(list, hmcp.Tool(a, false))
		}
		tools = list
	default:
		tools = hmcp.OpenAITools(acts)
	}
	var v any = tools
	if opts.JSON {
		if skipped == nil {
			skipped = []string{}
		}
		v = struct {
			Format  string   `json:"format"`
			Tools   any      `json:"tools"`
			Skipped []string `json:"skipped"`
		}{opts.Format, tools, skipped}
	}
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	if len(acts) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: no valid actions in %s\n", opts.Dir)
	}
	return nil
}
