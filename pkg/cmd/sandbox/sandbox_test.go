package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	ios, _, _, _ := cmdutil.Test()
	var got *Options
	cmd := NewCmdSandbox(&cmdutil.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:8089" || o.Token != "sandbox-token" || o.TenantID != "100001" || o.FailRate != 0 || o.Quiet {
		t.Fatalf("defaults %+v", o)
	}
	o, err = parse(t, "--addr", "127.0.0.1:0", "--token", "t", "--tenant-id", "42", "--seed", "w.yaml", "--generate-contacts", "10",
		"--latency", "250ms", "--fail-rate", "0.25", "--rate-limit", "7", "--quiet", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:0" || o.Token != "t" || o.TenantID != "42" || o.SeedFile != "w.yaml" || o.GenerateContacts != 10 ||
		o.Latency != 250*time.Millisecond || o.FailRate != 0.25 || o.RateLimit != 7 || !o.Quiet || !o.JSON {
		t.Fatalf("%+v", o)
	}
	for _, bad := range [][]string{{"--fail-rate", "2"}, {"--fail-rate", "-0.1"}, {"--addr", "8089"}, {"--rate-limit", "-1"}, {"--token", "a b"}, {"--generate-contacts", "-5"}, {"x"}} {
		if _, err := parse(t, bad...); err == nil {
			t.Errorf("%v accepted", bad)
		} else if code := cmdutil.ExitCodeOf(err); code != 2 && !strings.Contains(err.Error(), "unknown command") && !strings.Contains(err.Error(), "accepts 0 arg") {
			t.Errorf("%v: exit %d (%v)", bad, code, err)
		}
	}
}

func TestRunServesAndStops(t *testing.T) {
	ios, _, out, errOut := cmdutil.Test()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *sandbox.Server, 1)
	opts := &Options{IO: ios, Addr: "127.0.0.1:0", Token: "tok-1", TenantID: "7", JSON: true, GenerateContacts: 3,
		Started: func(s *sandbox.Server) { started <- s }}
	done := make(chan error, 1)
	go func() { done <- runSandbox(ctx, opts) }()
	var srv *sandbox.Server
	select {
	case srv = <-started:
	case err := <-done:
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", srv.URL()+"/api/ext/v3/conversations/15550000002/operator", strings.NewReader(`{"assignee_email":null}`))
	req.Header.Set("Authorization", "Bearer tok-1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var b Banner
	if err := json.Unmarshal(out.Bytes(), &b); err != nil {
		t.Fatalf("banner %q: %v", out.String(), err)
	}
	if b.URL != srv.URL() || b.Token != "tok-1" || b.TenantID != "7" || b.Contacts != 9 ||
		b.AccountAdd != "echo tok-1 | handoff account add sandbox --endpoint "+srv.URL()+" --with-token" ||
		!strings.Contains(b.AccountAddV1, "--api v1 --tenant-id 7 --with-token") {
		t.Fatalf("banner %+v", b)
	}
	log := errOut.String()
	if !strings.Contains(log, "PUT /api/ext/v3/conversations/15550000002/operator → 200") || !strings.HasSuffix(log, "sandbox stopped\n") || strings.Contains(log, "tok-1") {
		t.Fatalf("stderr:\n%s", log)
	}
	if _, err := http.Get(srv.URL() + "/_sandbox/state"); err == nil {
		t.Fatal("still serving")
	}
}

func TestRunSeedErrors(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("teams: [A]\nagents: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(dir, "missing.yaml"), bad} {
		err := runSandbox(context.Background(), &Options{IO: ios, Addr: "127.0.0.1:0", Token: "t", SeedFile: f})
		if cmdutil.ExitCodeOf(err) != cmdutil.ExitConfig || cmdutil.HintOf(err) == "" {
			t.Fatalf("%s: %v (exit %d)", f, err, cmdutil.ExitCodeOf(err))
		}
	}
}
