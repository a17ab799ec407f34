package assign

import (
	"bytes"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Settings: &cmdutil.Settings{Account: "override", StateDir: "/state"}}
	var got *Options
	cmd := NewCmdAssign(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "escalate-billing", "--conversation", "+1 415 555 2671", "--dry-run", "--json", "--keep-teams")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "escalate-billing" || o.Target != "+1 415 555 2671" || !o.DryRun || !o.JSON || !o.KeepTeams || o.Account != "override" {
		t.Fatalf("options %+v", o)
	}
	if o.StateDir() != "/state" {
		t.Fatalf("state dir %q", o.StateDir())
	}
	o, err = parse(t, "x", "--from", "-", "--concurrency", "3", "--rate", "2.5", "--journal", "j", "--report", "r", "--retry-unknown")
	if err != nil {
		t.Fatal(err)
	}
	if o.From != "-" || o.Concurrency != 3 || o.Rate != 2.5 || o.Journal != "j" || o.Report != "r" || !o.RetryUnknown {
		t.Fatalf("options %+v", o)
	}
	o, _ = parse(t, "x", "-c", "14155552671")
	if o.Concurrency != 8 || o.Rate != 0 {
		t.Fatalf("defaults %+v", o)
	}
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"x"}, "--conversation TARGET, or --from FILE"},
		{[]string{"x", "-c", "1", "--from", "f"}, "cannot be used together"},
		{[]string{"x", "-c", "1", "--rate", "3"}, "--rate only applies with --from"},
		{[]string{"x", "-c", "1", "--retry-unknown"}, "--retry-unknown only applies"},
		{[]string{"x", "--from", "f", "--concurrency", "0"}, "between 1 and 256"},
		{[]string{"x", "--from", "f", "--rate", "-1"}, "--rate must be"},
		{[]string{"x", "--from", "f", "--json", "--report", "-"}, "both write to stdout"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err %v (exit %d), want %q, exit 2", c.args, err, cmdutil.ExitCodeOf(err), c.want)
		}
	}
	if _, err := parse(t); err == nil {
		t.Error("no action: no error")
	}
}
