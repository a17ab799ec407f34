package root

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/textutil"
)

// guardUsage makes every command's usage mistakes one line that says what
// is wrong and the form of the command, exit 2:
//   - a missing or extra argument ("missing ACTION: handoff assign ACTION ...")
//     instead of cobra's "accepts 1 arg(s), received 0";
//   - a single-value flag given twice (pflag keeps the last silently).
func guardUsage(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardUsage(sub)
	}
	if orig := c.Args; orig != nil && !c.HasSubCommands() { // groups: guardGroups
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := orig(cmd, args)
			if err == nil || errors.As(err, new(cmdutil.Coder)) {
				return err
			}
			return argsError(cmd, args)
		}
	}
	onceFlags(c.Flags())
	onceFlags(c.PersistentFlags())
}

// Form is the command line a command takes: "handoff assign ACTION (...)".
func Form(c *cobra.Command) string {
	return strings.TrimSuffix(c.UseLine(), " [flags]")
}

// argsError names the missing or unexpected argument, from the command's
// Use line: its upper-case words before any flag are the arguments.
func argsError(c *cobra.Command, args []string) error {
	var required, optional []string
	for _, w := range strings.Fields(c.Use)[1:] {
		bare := strings.Trim(w, "[]().")
		if bare == "" || strings.HasPrefix(bare, "-") || strings.ToUpper(bare) != bare {
			break
		}
		if strings.HasPrefix(w, "[") {
			optional = append(optional, bare)
		} else {
			required = append(required, bare)
		}
	}
	hint := "Run: " + c.CommandPath() + " --help"
	switch {
	case len(args) < len(required):
		return cmdutil.WithHint(cmdutil.UsageError("missing %s: %s", required[len(args)], Form(c)), hint)
	case len(args) > len(required)+len(optional) && !strings.Contains(c.Use, "..."):
		return cmdutil.WithHint(cmdutil.UsageError("unexpected argument %q: %s", args[len(required)+len(optional)], Form(c)), hint)
	}
	return cmdutil.WithHint(cmdutil.UsageError("wrong arguments %q: %s", args, Form(c)), hint)
}

// onceValue refuses a second value for a single-value flag.
type onceValue struct {
	pflag.Value
	name  string
	first string
	set   bool
}

// onceMark starts the text of onceValue's error, so that the flag error
// handler can give it alone (pflag wraps it in "invalid argument ...").
const onceMark = "\x00"

func (v *onceValue) Set(s string) error {
	if v.set {
		return fmt.Errorf("%s--%s given twice (%q, then %q): it takes one value", onceMark, v.name, v.first, s)
	}
	v.set, v.first = true, s
	return v.Value.Set(s)
}

// flagErrorText is pflag's error text, or onceValue's own when it is one.
func flagErrorText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, onceMark); i >= 0 {
		return msg[i+len(onceMark):]
	}
	return msg
}

// onceFlags wraps the single-value flags of fs (not booleans, counts or
// lists, which may repeat harmlessly or on purpose).
func onceFlags(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, done := f.Value.(*onceValue); done {
			return
		}
		if _, isSlice := f.Value.(pflag.SliceValue); isSlice {
			return
		}
		switch t := f.Value.Type(); {
		case t == "bool", t == "count", strings.Contains(t, "Slice"), strings.Contains(t, "Array"), strings.HasPrefix(t, "stringTo"):
			return
		case t == "duration" && f.DefValue == "0s":
			// pflag recognises a zero duration default by its own type
			// only; wrapped, --help would print "(default 0s)".
			return
		}
		f.Value = &onceValue{Value: f.Value, name: f.Name}
	})
}

// helpCommand replaces cobra's help command, which prints "Unknown help
// topic" and exits 0: an unknown topic is a usage error with did-you-mean.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND | TOPIC]",
		Short: "Help about any command or topic",
		Long:  "Help about any command (handoff help assign) or topic (handoff help exit-codes).",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() || sub.GroupID == "help" {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				return unknownTopic(root, args)
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

func unknownTopic(root *cobra.Command, args []string) error {
	var names []string
	for _, sub := range root.Commands() {
		if !sub.Hidden {
			names = append(names, sub.Name())
		}
	}
	sort.Strings(names)
	topic := strings.Join(args, " ")
	hint := "Run: handoff help (commands and topics: " + strings.Join(names, ", ") + ")"
	if s := textutil.Suggest(args[len(args)-1], names); s != "" {
		hint = "Did you mean: handoff help " + s + "?"
	}
	return cmdutil.WithHint(cmdutil.UsageError("unknown help topic %q", topic), hint)
}
