package cmdutil

import (
	"time"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/directory"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Settings are the resolved global settings (flag > HANDOFF_* env > config
// file > default). The root command fills them before any command runs;
// commands read them, never viper.
type Settings struct {
	Dir            string        // action files
	ConfigDir      string        // config.yaml, credentials.yaml
	CacheDir       string        // directory caches
	StateDir       string        // audit log, journals
	Account        string        // global --account override ("" = none)
	Debug          string        // HANDOFF_DEBUG, e.g. "api"
	RequestTimeout time.Duration // per HTTP attempt
	Deadline       time.Duration // per call, all attempts
	DirectoryTTL   time.Duration // when a directory cache is stale
	RepeatWindow   time.Duration // a chatbot start is not repeated within it (0: off)
}

// Factory hands commands their dependencies, built lazily so that nothing
// touches disk or network before a command runs. Tests replace any field.
type Factory struct {
	IO       *IOStreams
	Version  string
	Commit   string
	Date     string
	Settings *Settings

	Actions   func() (*action.Store, error)
	Accounts  func() (*account.Store, error)
	Directory func() (*directory.Service, error)
	// Client builds the Wati client of an account by name (token resolved,
	// timeouts and debug applied). dryRun records writes instead of sending.
	Client func(accountName string, dryRun bool) (*wati.Client, error)
}
