package assign

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// setup: an actions folder, a sandbox over loopback, and Options wired to
// both, with test streams (no terminal).
func setup(t *testing.T) (*Options, *sandbox.Server, func() (string, string)) {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{GenerateContacts: 50, Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "actions"), 0o755)
	os.WriteFile(filepath.Join(dir, "actions", "to-maria.yaml"), []byte("version: 1\nname: to-maria\nintent: The customer asks for Maria by name or wants their account manager.\naccount: acme\nassignee:\n  type: user\n  email: maria@acme.com\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "actions", "broken.yaml"), []byte("version: 1\nname: broken\nintent: The customer asks for Maria by name or wants their account manager.\naccount: acme\nassignee:\n  type: user\n"), 0o644)
	ios, _, out, errOut := cmdutil.Test()
	o := &Options{
		IO:       ios,
		Actions:  func() (*action.Store, error) { return action.NewStore(filepath.Join(dir, "actions")), nil },
		StateDir: func() string { return filepath.Join(dir, "state") },
		Client: func(acct string, dry bool) (*wati.Client, error) {
			if acct != "acme" {
				return nil, cmdutil.Errorf(cmdutil.ExitConfig, "unknown account %q", acct)
			}
			return wati.New(wati.Config{BaseURL: srv.URL(), Token: "tok-123", DryRun: dry})
		},
		Concurrency: 4,
	}
	return o, srv, func() (string, string) { return out.String(), errOut.String() }
}

func TestRunOne(t *testing.T) {
	o, srv, output := setup(t)
	o.Name, o.Target = "to-maria", "+1 555 000 0001"
	if err := runAssign(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	out, errOut := output()
	if out != "Assigned 15550000001 to maria@acme.com; maria@acme.com owns the conversation now, and the AI agent must stop replying to it. Wati calls: 1.\n" || errOut != "" {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
	if c, _ := srv.Contact("15550000001"); c.Conversations[0].Assignee == nil {
		t.Fatal("not assigned in the sandbox")
	}
	recs, _, _ := handoff.NewAuditLog(o.StateDir()).Read(handoff.AuditFilter{})
	if len(recs) != 1 || recs[0].Source != "assign" {
		t.Fatalf("audit %+v", recs)
	}
}

func TestRunOneJSONFailure(t *testing.T) {
	o, _, output := setup(t)
	o.Name, o.Target, o.JSON = "to-maria", "19175550000", true
	err := runAssign(context.Background(), o)
	if cmdutil.ExitCodeOf(err) != 5 || !strings.HasPrefix(err.Error(), "handing 19175550000 to maria@acme.com: ") || cmdutil.HintOf(err) == "" {
		t.Fatalf("err %v (exit %d, hint %q)", err, cmdutil.ExitCodeOf(err), cmdutil.HintOf(err))
	}
	out, _ := output()
	var res map[string]any
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil || res["ok"] != false || res["outcome"] != "failed" || res["error"] == "" {
		t.Fatalf("stdout %s", out)
	}
}

func TestLoadErrors(t *testing.T) {
	o, _, output := setup(t)
	o.Name, o.Target = "broken", "15550000001"
	err := runAssign(context.Background(), o)
	_, errOut := output()
	if cmdutil.ExitCodeOf(err) != 3 || !strings.Contains(errOut, "broken.yaml:") {
		t.Fatalf("invalid action: %v; stderr %q", err, errOut)
	}
	o.Name = "missing"
	if err := runAssign(context.Background(), o); cmdutil.ExitCodeOf(err) != 5 {
		t.Fatalf("missing action: %v", err)
	}
	o.Name, o.Account = "to-maria", "other"
	if err := runAssign(context.Background(), o); cmdutil.ExitCodeOf(err) != 3 {
		t.Fatalf("unknown account: %v", err)
	}
}

func TestRunBatchStreams(t *testing.T) {
	o, _, output := setup(t)
	o.Name, o.From = "to-maria", "-"
	o.IO.In = strings.NewReader("15550000001\n15550000002\n15550000001\nnope\n")
	err := runAssign(context.Background(), o)
	var silent *cmdutil.SilentError
	if !errors.As(err, &silent) || silent.Code != 1 {
		t.Fatalf("err %v", err)
	}
	out, errOut := output()
	if !strings.HasPrefix(out, "to-maria: 1 Wati call per target: 1 operator assignment (maria@acme.com)\nto-maria: 2 handed off, 1 failed, 0 unknown, 1 duplicates — 4 targets in") || errOut != "" ||
		!strings.Contains(out, "\nfailed:\n  line 4: nope [invalid-target] invalid target \"nope\"") ||
		!strings.Contains(out, "\nreport: none kept; add --report FILE") || !strings.Contains(out, "\njournal: ") {
		t.Fatalf("without a terminal the summary goes to stdout, stderr stays empty: %q %q", out, errOut)
	}

	// --report -: the report owns stdout, the summary moves to stderr.
	o2, _, output2 := setup(t)
	o2.Name, o2.From, o2.Report = "to-maria", "-", "-"
	o2.IO.In = strings.NewReader("15550000003\n")
	if err := runAssign(context.Background(), o2); err != nil {
		t.Fatal(err)
	}
	out, errOut = output2()
	if !strings.HasPrefix(out, `{"action":"to-maria"`) || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "\nto-maria: 1 handed off") {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
}

func TestRenderProgress(t *testing.T) {
	got := renderProgress(handoff.Progress{Processed: 50, Total: 200, Rate: 25, Failed: 2, Unknown: 1}, 10)
	want := "[==>       ] 50/200  25%  25/s  ETA 6s  failed 2  unknown 1"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	got = renderProgress(handoff.Progress{Processed: 7, Rate: 3.2, Elapsed: time.Second, SlowDowns: 1, Limit: 4}, 10)
	if got != "7 done  3/s  slowed (429) to 4.0 req/s" {
		t.Fatalf("no total: %q", got)
	}
}
