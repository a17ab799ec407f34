package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// scriptCmds are extra testscript commands; other files of this package add
// theirs in init (for example a sandbox started in the test process).
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

// scriptSetups run for every script after the common environment is set.
var scriptSetups []func(env *testscript.Env) error

func TestMain(m *testing.M) {
	testscript.Main(contractChecked{m}, map[string]func(){
		// The binary as scripts run it: every request its Wati client
		// sends, and every exchange of a `handoff sandbox` it serves, is
		// checked against Wati's OpenAPI description (pkg/wati/watitest);
		// violations go to $WATITEST_CONTRACT_LOG, which fails the script.
		"handoff": func() { installContractChecks(); os.Exit(Main()) },
	})
}

// contractChecked runs the tests with the contract checks installed in the
// test process too (sandboxes started by sandbox-start, clients of the
// pty tests): any violation fails the run.
type contractChecked struct{ m *testing.M }

func (c contractChecked) Run() int { return watitest.Main(c.m) }

// TestScripts runs testdata/script/*.txtar against the real binary.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, filepath.Join("testdata", "script")))
}

func scriptParams(t testing.TB, dir string) testscript.Params {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return testscript.Params{
		Dir:                 dir,
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
			env.Setenv("REPO", repo)
			env.Setenv("EXAMPLES", filepath.Join(repo, "configs", "actions"))
			env.Setenv("NO_COLOR", "")
			env.Setenv("GITHUB_ACTIONS", "")
			contractLog := filepath.Join(env.WorkDir, ".wati-contract.log")
			env.Setenv(watitest.EnvLog, contractLog)
			env.Defer(func() {
				if b, err := os.ReadFile(contractLog); err == nil && len(b) > 0 {
					env.T().Fatal("exchanges that broke Wati's contract (pkg/wati/watitest):\n" + string(b))
				}
			})
			for _, s := range scriptSetups {
				if err := s(env); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
