package status

import (
	"bytes"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

func TestFlags(t *testing.T) {
	parse := func(args ...string) (*Options, error) {
		ios, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Account: "override", StateDir: "/state"}}
		var got *Options
		cmd := NewCmdStatus(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		return got, cmd.Execute()
	}
	o, err := parse("-c", "Support:14155552671", "--json")
	if err != nil || o.Target != "Support:14155552671" || !o.JSON || o.Account != "override" || o.StateDir() != "/state" {
		t.Fatalf("options %+v, %v", o, err)
	}
	if _, err := parse(); cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage || cmdutil.HintOf(err) == "" {
		t.Errorf("no conversation: %v", err)
	}
}
