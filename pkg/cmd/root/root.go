// Package root builds the handoff command tree and resolves global settings.
package root

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	accountShared "github.com/handoff-dev/handoff/pkg/cmd/account/shared"
	"github.com/handoff-dev/handoff/pkg/cmd/version"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// NewCmdRoot returns the root command with every subcommand attached.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "handoff <command>",
		Short: "Configure and run handoff actions against Wati",
		Long: `handoff configures and runs handoff actions against Wati, the WhatsApp Business
platform. A handoff action is what an AI agent triggers when a conversation must leave it:
the chat is assigned to a Wati team, user or bot, the agent stops replying, and the
assignee carries on in the same thread.

An action is set up in three steps (intent, Wati account, assignee) and saved as a
YAML file in the actions folder (--dir, default ./actions).`,
		Example: `  handoff configure escalate-billing
  handoff validate actions/
  handoff assign escalate-billing --conversation +14155552671
  handoff sandbox`,
		Version:       version.String(f.Version, f.Commit, f.Date),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return resolveSettings(cmd, f)
		},
	}
	cmd.SetVersionTemplate("handoff {{.Version}}\n")
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.WithHint(cmdutil.UsageError("%s", flagErrorText(err)), fmt.Sprintf("Run: %s --help", c.CommandPath()))
	})

	pf := cmd.PersistentFlags()
	pf.String("dir", "", "folder of action files (env HANDOFF_DIR; default ./actions)")
	pf.String("config-dir", "", "configuration folder (env HANDOFF_CONFIG_DIR; default $XDG_CONFIG_HOME/handoff)")
	pf.String("account", "", "use this account instead of the action's (env HANDOFF_ACCOUNT)")
	_ = cmd.RegisterFlagCompletionFunc("dir", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})
	_ = cmd.RegisterFlagCompletionFunc("account", func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return accountShared.AccountNames(f, c), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("config-dir", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})

	cmd.AddGroup(
		&cobra.Group{ID: "core", Title: "Actions:"},
		&cobra.Group{ID: "setup", Title: "Accounts and setup:"},
		&cobra.Group{ID: "help", Title: "Help topics:"},
	)
	cmd.SetHelpCommandGroupID("help")
	cmd.SetCompletionCommandGroupID("setup")

	cmd.AddCommand(version.NewCmdVersion(f))
	for _, t := range helpTopics {
		cmd.AddCommand(newHelpTopic(t))
	}
	addCommands(cmd, f)
	guardGroups(cmd)
	help := helpCommand(cmd)
	help.GroupID = "help"
	cmd.SetHelpCommand(help)
	guardUsage(cmd)
	return cmd
}

// guardGroups makes every group command (one with subcommands and no action
// of its own) print its help when called alone and refuse an unknown
// subcommand with a usage error; cobra would print the help and exit 0.
func guardGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.WithHint(cmdutil.UsageError("unknown command %q for %q", args[0], c.CommandPath()),
					"Run: "+c.CommandPath()+" --help")
			}
			return c.Help()
		}
	}
}

// resolveSettings fills f.Settings from one viper instance:
// flag > HANDOFF_* environment > config file > default.
func resolveSettings(cmd *cobra.Command, f *cmdutil.Factory) error {
	v := viper.New()
	v.SetEnvPrefix("HANDOFF")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	for _, name := range []string{"dir", "config-dir", "account"} {
		if fl := cmd.Flags().Lookup(name); fl != nil {
			_ = v.BindPFlag(name, fl)
		}
	}
	v.SetDefault("dir", "actions")
	v.SetDefault("config-dir", filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "handoff"))
	v.SetDefault("cache-dir", filepath.Join(xdgDir("XDG_CACHE_HOME", ".cache"), "handoff"))
	v.SetDefault("state-dir", filepath.Join(xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")), "handoff"))
	v.SetDefault("request-timeout", "15s")
	v.SetDefault("deadline", "60s")
	v.SetDefault("directory-ttl", "24h")
	v.SetDefault("repeat-window", "10m")

	// The config file lives in the config folder, so that one key cannot come from it.
	configDir := v.GetString("config-dir")
	v.SetConfigFile(filepath.Join(configDir, "config.yaml"))
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil && !errors.Is(err, os.ErrNotExist) {
		var pathErr *os.PathError
		if !errors.As(err, &pathErr) {
			return cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "reading %s: %v", v.ConfigFileUsed(), err),
				"Fix the YAML in that file, or move it away to start afresh.")
		}
	}

	s := f.Settings
	s.ConfigDir = configDir
	s.Dir = v.GetString("dir")
	s.CacheDir = v.GetString("cache-dir")
	s.StateDir = v.GetString("state-dir")
	s.Account = v.GetString("account")
	s.Debug = v.GetString("debug")
	var err error
	if s.RequestTimeout, err = duration(v, "request-timeout"); err != nil {
		return err
	}
	if s.Deadline, err = duration(v, "deadline"); err != nil {
		return err
	}
	if s.DirectoryTTL, err = duration(v, "directory-ttl"); err != nil {
		return err
	}
	if s.RepeatWindow, err = duration(v, "repeat-window"); err != nil {
		return err
	}
	return nil
}

// maxDurations bounds the duration settings: a wait longer than these is a
// typo, and would leave a command waiting for hours.
var maxDurations = map[string]time.Duration{
	"request-timeout": time.Hour,
	"deadline":        24 * time.Hour,
	"directory-ttl":   10 * 365 * 24 * time.Hour,
}

func duration(v *viper.Viper, key string) (time.Duration, error) {
	s := v.GetString(key)
	d, err := time.ParseDuration(s)
	where := "env HANDOFF_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_")) + ", or " + key + " in config.yaml"
	if err != nil || d < 0 {
		return 0, cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "%s: %q is not a duration", key, s),
			"Use a Go duration such as 30s, 5m or 24h ("+where+").")
	}
	if max, ok := maxDurations[key]; ok && d > max {
		return 0, cmdutil.WithHint(cmdutil.Errorf(cmdutil.ExitConfig, "%s: %s is too long (at most %s)", key, s, max),
			"Use a shorter duration ("+where+").")
	}
	return d, nil
}

func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, fallback)
}
