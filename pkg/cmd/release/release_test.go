package release

import (
	"bytes"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Account: "override", StateDir: "/state"}}
	var got *Options
	cmd := NewCmdRelease(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return got, cmd.Execute()
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "--conversation", "+1 415 555 2671", "--status", "Solved", "--note", "done", "--dry-run", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if o.Target != "+1 415 555 2671" || o.Status != "solved" || o.Note != "done" || !o.DryRun || !o.JSON || o.Account != "override" || o.StateDir() != "/state" {
		t.Fatalf("options %+v", o)
	}
	if o, err = parse(t, "--from", "-", "--rate", "2"); err != nil || o.From != "-" || o.Rate != 2 {
		t.Fatalf("options %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{},
		{"--conversation", "1", "--from", "x"},
		{"--conversation", "1", "--rate", "2"},
		{"--from", "x", "--rate", "-1"},
		{"--from", "x", "--rate", "NaN"},    // would mean no limit
		{"--from", "x", "--rate", "1e-300"}, // would wait forever
		{"--conversation", "1", "--status", "closed"},
	} {
		if _, err := parse(t, bad...); cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage || cmdutil.HintOf(err) == "" {
			t.Errorf("%q: %v (exit %d), want a usage error with a hint", bad, err, cmdutil.ExitCodeOf(err))
		}
	}
}
