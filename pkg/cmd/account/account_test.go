package account

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

type harness struct {
	t       *testing.T
	f       *cmdutil.Factory
	ios     *cmdutil.IOStreams
	in      *bytes.Buffer
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	env     map[string]string
	sandbox *sandbox.Server
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	env := map[string]string{}
	ios.Getenv = func(k string) string { return env[k] }
	f := factory.New("test", "none", "unknown", ios)
	dir := t.TempDir()
	f.Settings.ConfigDir = filepath.Join(dir, "config")
	f.Settings.CacheDir = filepath.Join(dir, "cache")
	f.Settings.Dir = filepath.Join(dir, "actions")
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return &harness{t: t, f: f, ios: ios, in: in, out: out, errOut: errOut, env: env, sandbox: sb}
}

// run executes `account ARGS...` and returns its error and exit code.
func (h *harness) run(stdin string, args ...string) (error, int) {
	h.t.Helper()
	h.in.Reset()
	h.in.WriteString(stdin)
	h.out.Reset()
	h.errOut.Reset()
	cmd := NewCmdAccount(h.f)
	cmd.SetArgs(args)
	cmd.SetIn(h.in)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return err, cmdutil.ExitCodeOf(err)
}

func (h *harness) mustRun(stdin string, args ...string) string {
	h.t.Helper()
	if err, _ := h.run(stdin, args...); err != nil {
		h.t.Fatalf("account %v: %v\nstderr: %s", args, err, h.errOut)
	}
	return h.out.String()
}

func (h *harness) noSecret(token string) {
	h.t.Helper()
	if strings.Contains(h.out.String(), token) || strings.Contains(h.errOut.String(), token) {
		h.t.Fatalf("the token appears in the output:\n%s\n%s", h.out, h.errOut)
	}
}

func TestAddTestListRemoveAgainstSandbox(t *testing.T) {
	h := newHarness(t)
	tok := h.sandbox.Token()
	out := h.mustRun("Bearer "+tok+"\n", "add", "sandbox", "--endpoint", h.sandbox.URL()+"/api/ext/v3/", "--with-token")
	for _, want := range []string{"Added account sandbox: " + h.sandbox.URL() + " (v3).", "Token: stored in", "Default account: sandbox"} {
		if !strings.Contains(out, want) {
			t.Errorf("add output lacks %q:\n%s", want, out)
		}
	}
	h.noSecret(tok)

	out = h.mustRun("", "test", "sandbox")
	if !strings.Contains(out, "OK: account sandbox accepted the token.") || !strings.Contains(out, "/api/ext/v3/channels?page_number=1&page_size=100 → 200") || !strings.Contains(out, "channels  Support, Sales (and the default channel, which Wati does not list)") {
		t.Errorf("test output:\n%s", out)
	}
	h.noSecret(tok)

	out = h.mustRun("", "list", "--json")
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 {
		t.Fatalf("list --json = %s (%v)", out, err)
	}
	if items[0]["token_source"] != "credentials.yaml" || items[0]["default"] != true || items[0]["endpoint"] != h.sandbox.URL() {
		t.Errorf("list item = %v", items[0])
	}
	h.noSecret(tok)

	// A wrong token: 401, exit 4, the hint to re-add.
	h.env["HANDOFF_TOKEN_SANDBOX"] = "wrong-token"
	err, code := h.run("", "test", "sandbox")
	if code != 4 || err.Error() != `account "sandbox" rejected the token (401)` || !strings.Contains(cmdutil.HintOf(err), "HANDOFF_TOKEN_SANDBOX") {
		t.Errorf("test with a wrong env token = %v (exit %d, hint %q)", err, code, cmdutil.HintOf(err))
	}
	out = h.mustRun("", "list")
	if !strings.Contains(out, "env HANDOFF_TOKEN_SANDBOX") || strings.Contains(out, "wrong-token") {
		t.Errorf("list with env token:\n%s", out)
	}
	delete(h.env, "HANDOFF_TOKEN_SANDBOX")

	// Not a terminal: remove needs --yes.
	if err, code := h.run("", "remove", "sandbox"); code != 2 || !strings.Contains(cmdutil.HintOf(err), "--yes") {
		t.Errorf("remove without --yes = %v (%d)", err, code)
	}
	out = h.mustRun("", "remove", "sandbox", "--yes")
	if !strings.Contains(out, "Removed account sandbox") || !strings.Contains(out, "no default account") {
		t.Errorf("remove output:\n%s", out)
	}
	data, _ := os.ReadFile(filepath.Join(h.f.Settings.ConfigDir, "credentials.yaml"))
	if strings.Contains(string(data), tok) {
		t.Errorf("token survived remove:\n%s", data)
	}
	if err, code := h.run("", "test", "sandbox"); code != 3 {
		t.Errorf("test after remove = %v (%d)", err, code)
	}
}

func TestAddUnreachableAndForbidden(t *testing.T) {
	h := newHarness(t)
	// Nothing listens on port 1.
	h.mustRun("tok\n", "add", "down", "--endpoint", "http://127.0.0.1:1", "--with-token")
	h.f.Settings.RequestTimeout = 0
	err, code := h.run("", "test", "down")
	if code != 6 || !strings.Contains(err.Error(), `account "down" is unreachable at http://127.0.0.1:1`) {
		t.Errorf("unreachable = %v (%d)", err, code)
	}

	// A 403 (no JSON body, as Wati may send): exit 4 and the scopes handoffs need.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("Forbidden"))
	}))
	defer srv.Close()
	h.mustRun("tok\n", "add", "locked", "--endpoint", srv.URL, "--with-token")
	err, code = h.run("", "test", "locked", "--json")
	hint := cmdutil.HintOf(err)
	if code != 4 || !strings.Contains(err.Error(), "refused (403)") || !strings.Contains(hint, "conversationsv3:write") || !strings.Contains(hint, "contactsv3:write") {
		t.Errorf("403 = %v (%d)\nhint: %s", err, code, hint)
	}
	var r struct {
		OK      bool   `json:"ok"`
		Outcome string `json:"outcome"`
		Status  int    `json:"status"`
	}
	if json.Unmarshal(h.out.Bytes(), &r) != nil || r.OK || r.Outcome != "forbidden" || r.Status != 403 {
		t.Errorf("--json on 403 = %s", h.out)
	}
}

func TestAddRules(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"add", "acme", "--endpoint", "http://live-mt-server.wati.io", "--with-token"}, 2, "plain http"},
		{[]string{"add", "acme", "--with-token"}, 2, "--endpoint is required"},
		{[]string{"add", "acme", "--endpoint", "https://live-mt-server.wati.io"}, 2, "--with-token"},
		{[]string{"add", "acme", "--endpoint", "https://live-mt-server.wati.io", "--api", "v1", "--with-token"}, 2, "tenant id"},
		{[]string{"add", "acme", "--endpoint", "https://live-mt-server.wati.io", "--api", "v2"}, 2, "v3 or v1"},
		{[]string{"add", "Acme", "--endpoint", "https://live-mt-server.wati.io", "--with-token"}, 2, "invalid account name"},
	}
	for _, c := range cases {
		err, code := h.run("tok\n", c.args...)
		if code != c.code || err == nil || !strings.Contains(err.Error()+cmdutil.HintOf(err), c.msg) {
			t.Errorf("%v = %v (exit %d); want exit %d about %q", c.args, err, code, c.code, c.msg)
		}
	}
	if err, code := h.run("\n\n", "add", "acme", "--endpoint", "https://live-mt-server.wati.io", "--with-token"); code != 2 || !strings.Contains(err.Error(), "no token on stdin") {
		t.Errorf("empty stdin = %v (%d)", err, code)
	}
	if _, err := os.Stat(filepath.Join(h.f.Settings.ConfigDir, "config.yaml")); err == nil {
		t.Fatal("refused adds wrote config.yaml")
	}

	// Without a terminal, an env token is enough.
	h.env["HANDOFF_TOKEN"] = "envtok"
	out := h.mustRun("", "add", "acme", "--endpoint", "https://live-mt-server.wati.io")
	if !strings.Contains(out, "Token: from env HANDOFF_TOKEN (not stored).") {
		t.Errorf("env-token add:\n%s", out)
	}
	delete(h.env, "HANDOFF_TOKEN")

	// Existing name: --force needed without a terminal; flags left out are kept.
	err, code := h.run("t2\n", "add", "acme", "--endpoint", "https://eu.wati.example", "--with-token")
	if code != 2 || !strings.Contains(cmdutil.HintOf(err), "--force") {
		t.Errorf("add over existing = %v (%d)", err, code)
	}
	h.mustRun("t3\n", "add", "acme", "--channel", "Support", "--force", "--with-token")
	out = h.mustRun("", "show", "acme", "--json")
	if !strings.Contains(out, `"endpoint": "https://live-mt-server.wati.io"`) || !strings.Contains(out, `"channel": "Support"`) {
		t.Errorf("show after partial replace:\n%s", out)
	}
	// Token only: no --force, settings untouched.
	out = h.mustRun("Bearer rotated\n", "add", "acme", "--with-token")
	if !strings.Contains(out, "Updated the token of account acme") {
		t.Errorf("rotate:\n%s", out)
	}
	h.noSecret("rotated")
	out = h.mustRun("", "show", "acme")
	if !strings.Contains(out, "token:        credentials.yaml") || !strings.Contains(out, "channel:      Support") {
		t.Errorf("show:\n%s", out)
	}
}

func TestUseAndShowDefault(t *testing.T) {
	h := newHarness(t)
	h.mustRun("a\n", "add", "one", "--endpoint", "https://one.example.com", "--with-token")
	h.mustRun("b\n", "add", "two", "--endpoint", "https://two.example.com", "--with-token")
	if out := h.mustRun("", "use", "two"); out != "Default account: two\n" {
		t.Errorf("use = %q", out)
	}
	out := h.mustRun("", "show")
	if !strings.Contains(out, "name:         two") || !strings.Contains(out, "default:      yes") {
		t.Errorf("show default:\n%s", out)
	}
	out = h.mustRun("", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "two   *") {
		t.Errorf("list:\n%s", out)
	}
	if _, code := h.run("", "use", "three"); code != 3 {
		t.Errorf("use unknown: exit %d", code)
	}
	// A credentials file others can read: list warns with the chmod, test refuses (exit 3).
	creds := filepath.Join(h.f.Settings.ConfigDir, "credentials.yaml")
	os.Chmod(creds, 0o644)
	out = h.mustRun("", "list")
	if !strings.Contains(out, "credentials.yaml (refused)") || !strings.Contains(h.errOut.String(), "Run: chmod 600 "+creds) {
		t.Errorf("list with unsafe credentials:\n%s\n%s", out, h.errOut)
	}
	err, code := h.run("", "test", "one")
	if code != 3 || cmdutil.HintOf(err) != "Run: chmod 600 "+creds {
		t.Errorf("test with unsafe credentials = %v (%d) hint %q", err, code, cmdutil.HintOf(err))
	}
}
