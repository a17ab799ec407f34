package directory

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/cmd/factory"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

type harness struct {
	t           *testing.T
	f           *cmdutil.Factory
	in          *bytes.Buffer
	out, errOut *bytes.Buffer
	sb          *sandbox.Server
}

func newHarness(t *testing.T, opts sandbox.Options) *harness {
	t.Helper()
	ios, in, out, errOut := cmdutil.Test()
	f := factory.New("test", "none", "unknown", ios)
	dir := t.TempDir()
	f.Settings.ConfigDir = filepath.Join(dir, "config")
	f.Settings.CacheDir = filepath.Join(dir, "cache")
	f.Settings.Dir = filepath.Join(dir, "actions")
	f.Settings.DirectoryTTL = time.Hour
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return &harness{t: t, f: f, in: in, out: out, errOut: errOut, sb: sb}
}

func (h *harness) addAccount(name, endpoint string) {
	h.t.Helper()
	st, _ := h.f.Accounts()
	if err := st.Add(account.Account{Name: name, Endpoint: endpoint}, h.sb.Token(), false); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) run(args ...string) (error, int) {
	h.t.Helper()
	h.out.Reset()
	h.errOut.Reset()
	cmd := NewCmdDirectory(h.f)
	cmd.SetArgs(args)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return err, cmdutil.ExitCodeOf(err)
}

func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	if err, _ := h.run(args...); err != nil {
		h.t.Fatalf("directory %v: %v\nstderr: %s", args, err, h.errOut)
	}
	return h.out.String()
}

func TestSyncAndListAgainstSandbox(t *testing.T) {
	h := newHarness(t, sandbox.Options{GenerateContacts: 250})
	h.addAccount("sandbox", h.sb.URL())

	out := h.mustRun("sync")
	// The seed's teams on contacts are Billing, Support, Sales; its 3 chatbots come from the list.
	if !strings.Contains(out, "Synced sandbox in") || !strings.Contains(out, "3 bots") || !strings.Contains(out, "contacts (all of them)") {
		t.Errorf("sync output:\n%s", out)
	}

	out = h.mustRun("list", "--json")
	var l struct {
		Account          string    `json:"account"`
		SyncedAt         time.Time `json:"synced_at"`
		Stale            bool      `json:"stale"`
		AgeSeconds       int64     `json:"age_seconds"`
		ContactsScanned  int       `json:"contacts_scanned"`
		ContactsComplete bool      `json:"contacts_complete"`
		Entries          []struct {
			Kind, Name, ID, Email, Source string
			Contacts                      int
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	if l.Account != "sandbox" || l.Stale || l.ContactsScanned < 250 || !l.ContactsComplete || l.SyncedAt.IsZero() {
		t.Errorf("listing = %+v", l)
	}
	kinds := map[string][]string{}
	for _, e := range l.Entries {
		kinds[e.Kind] = append(kinds[e.Kind], e.Name)
	}
	if len(kinds["bot"]) != 3 || !contains(kinds["bot"], "Returns flow") || !contains(kinds["team"], "Support") {
		t.Errorf("entries by kind = %v", kinds)
	}
	if !strings.Contains(h.errOut.String(), "sandbox: synced just now") {
		t.Errorf("list stderr: %s", h.errOut)
	}

	// Declared users and teams join the list.
	h.mustRun("add", "user", "maria@acme.com", "--name", "Maria Lopez")
	h.mustRun("add", "team", "VIP")
	out = h.mustRun("list", "--type", "user")
	if !strings.Contains(out, "Maria Lopez") || strings.Contains(out, "Returns flow") {
		t.Errorf("list --type user:\n%s", out)
	}
	out = h.mustRun("list", "--type", "team")
	if !strings.Contains(out, "VIP") || !strings.Contains(out, "declared") || !strings.Contains(out, "contacts (") {
		t.Errorf("list --type team:\n%s", out)
	}
}

func TestListOfflineShowsCacheAge(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	h.addAccount("sandbox", h.sb.URL())
	h.mustRun("sync")
	cache := filepath.Join(h.f.Settings.CacheDir, "directory", "sandbox.json")
	// Age the cache by two days, then take the sandbox away.
	data, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	json.Unmarshal(data, &c)
	c["synced_at"] = time.Now().Add(-49 * time.Hour).UTC().Format(time.RFC3339)
	data, _ = json.Marshal(c)
	os.WriteFile(cache, data, 0o600)
	h.sb.Close()

	out := h.mustRun("list", "--json")
	if !strings.Contains(out, "Returns flow") || !strings.Contains(out, `"offline": true`) || !strings.Contains(out, `"stale": true`) || !strings.Contains(out, `"refresh_error"`) {
		t.Errorf("offline list --json:\n%s", out)
	}
	if e := h.errOut.String(); !strings.Contains(e, "sandbox could not be read") || !strings.Contains(e, "showing the cache from 2d ago") {
		t.Errorf("offline note: %s", e)
	}
	// --cached does not try.
	h.mustRun("list", "--cached")
	if e := h.errOut.String(); !strings.Contains(e, "cache from 2d ago (stale)") {
		t.Errorf("--cached note: %s", e)
	}
}

func TestDirectoryErrors(t *testing.T) {
	h := newHarness(t, sandbox.Options{})
	// No account at all: sync is a configuration error; list shows declared entries.
	if err, code := h.run("sync"); code != 3 || !strings.Contains(cmdutil.HintOf(err), "handoff account add") {
		t.Errorf("sync without accounts = %v (%d)", err, code)
	}
	h.mustRun("add", "team", "Billing")
	out := h.mustRun("list")
	if !strings.Contains(out, "Billing") || !strings.Contains(h.errOut.String(), "declared teams and users only") {
		t.Errorf("list without account:\n%s\n%s", out, h.errOut)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"add", "bot", "x"}, 2},
		{[]string{"add", "user", "not-an-email"}, 2},
		{[]string{"add", "team", "Billing", "--name", "x"}, 2},
		{[]string{"remove", "team", "Nope"}, 5},
		{[]string{"list", "--type", "robot"}, 2},
		{[]string{"sync", "--contact-pages", "0"}, 2},
	} {
		if err, code := h.run(c.args...); code != c.code {
			t.Errorf("%v = %v (exit %d, want %d)", c.args, err, code, c.code)
		}
	}
	h.mustRun("remove", "team", "Billing")

	// An account without a token: sync says so (exit 4).
	st, _ := h.f.Accounts()
	st.Add(account.Account{Name: "bare", Endpoint: h.sb.URL()}, "", false)
	if err, code := h.run("sync"); code != 4 || !strings.Contains(cmdutil.HintOf(err), "handoff account add bare --with-token") {
		t.Errorf("sync without token = %v (%d)", err, code)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
