package account

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type exitCoder interface{ ExitCode() int }
type hinter interface{ Hint() string }

func codeOf(err error) int {
	var c exitCoder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return -1
}

func hintOf(err error) string {
	var h hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func newStore(t *testing.T, env map[string]string) *Store {
	t.Helper()
	return NewStore(filepath.Join(t.TempDir(), "handoff"), func(k string) string { return env[k] })
}

func mustAdd(t *testing.T, s *Store, a Account, token string) {
	t.Helper()
	if err := s.Add(a, token, false); err != nil {
		t.Fatalf("Add(%s): %v", a.Name, err)
	}
}

func TestNormalizeEndpoint(t *testing.T) {
	ok := []struct{ in, want, tenant string }{
		{"https://live-mt-server.wati.io", "https://live-mt-server.wati.io", ""},
		{"https://live-mt-server.wati.io/", "https://live-mt-server.wati.io", ""},
		{"  https://Live-MT-Server.wati.io:443/api/ext/v3/chatbots  ", "https://live-mt-server.wati.io", ""},
		{"https://live-mt-server.wati.io/api", "https://live-mt-server.wati.io", ""},
		{"live-mt-server.wati.io", "https://live-mt-server.wati.io", ""},
		{"https://live-mt-server.wati.io/123456/api/v1/getContacts", "https://live-mt-server.wati.io", "123456"},
		{"http://127.0.0.1:8089/", "http://127.0.0.1:8089", ""},
		{"http://127.3.4.5:8089", "http://127.3.4.5:8089", ""},
		{"http://localhost:9000/api/ext/v3", "http://localhost:9000", ""},
		{"http://[::1]:8089", "http://[::1]:8089", ""},
		{"https://eu.example.com:8443", "https://eu.example.com:8443", ""},
	}
	for _, c := range ok {
		ep, err := ParseEndpoint(c.in)
		if err != nil || ep.URL != c.want || ep.TenantID != c.tenant {
			t.Errorf("ParseEndpoint(%q) = %+v, %v; want %s tenant %q", c.in, ep, err, c.want, c.tenant)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "empty"},
		{"http://live-mt-server.wati.io", "plain http"},
		{"http://10.0.0.1:8089", "plain http"},
		{"http://localhost.evil.com", "plain http"},
		{"ftp://live-mt-server.wati.io", "scheme"},
		{"https://user:secret@live-mt-server.wati.io", "user name or password"},
		{"https://live-mt-server.wati.io/dashboard", "path"},
		{"https://live-mt-server.wati.io/?x=1", "query"},
		{"https://", "no host"},
	}
	for _, c := range bad {
		_, err := NormalizeEndpoint(c.in)
		if err == nil || !strings.Contains(err.Error(), c.msg) || codeOf(err) != 2 {
			t.Errorf("NormalizeEndpoint(%q) = %v (code %d); want usage error about %q", c.in, err, codeOf(err), c.msg)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error echoes a password: %v", err)
		}
	}
}

func TestAddListUseRemove(t *testing.T) {
	s := newStore(t, nil)
	if accs, err := s.List(); err != nil || len(accs) != 0 {
		t.Fatalf("empty store: %v %v", accs, err)
	}
	mustAdd(t, s, Account{Name: "acme-prod", Endpoint: "https://live-mt-server.wati.io/"}, "Bearer tok-prod\n")
	mustAdd(t, s, Account{Name: "legacy", Endpoint: "https://live-mt-server.wati.io/123456/api/v1/", API: "v1", Channel: "Support"}, "")

	accs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Account{
		{Name: "acme-prod", Endpoint: "https://live-mt-server.wati.io", API: "v3", Default: true},
		{Name: "legacy", Endpoint: "https://live-mt-server.wati.io", API: "v1", TenantID: "123456", Channel: "Support"},
	}
	if fmt.Sprint(accs) != fmt.Sprint(want) {
		t.Fatalf("List = %+v\nwant %+v", accs, want)
	}
	if def, _ := s.Default(); def != "acme-prod" {
		t.Fatalf("first account should be default, got %q", def)
	}
	tok, src, err := s.Token("acme-prod")
	if tok != "tok-prod" || src != "credentials.yaml" || err != nil {
		t.Fatalf("Token = %q %q %v", tok, src, err)
	}
	if tok, src, err := s.Token("legacy"); tok != "" || src != "none" || err != nil {
		t.Fatalf("Token(legacy) = %q %q %v", tok, src, err)
	}
	cfg, _ := os.ReadFile(s.ConfigPath())
	if strings.Contains(string(cfg), "tok-prod") {
		t.Fatalf("config.yaml holds a token:\n%s", cfg)
	}

	if err := s.Use("legacy"); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Resolve(""); a.Name != "legacy" {
		t.Fatalf("Resolve(\"\") = %q after use", a.Name)
	}
	if err := s.Use("nope"); codeOf(err) != 3 {
		t.Fatalf("Use(nope) = %v", err)
	}
	if err := s.Remove("legacy"); err != nil {
		t.Fatal(err)
	}
	if def, _ := s.Default(); def != "" {
		t.Fatalf("default after removing it = %q", def)
	}
	_, err = s.Resolve("")
	if codeOf(err) != 3 || !strings.Contains(hintOf(err), "acme-prod") {
		t.Fatalf("Resolve without default = %v (hint %q)", err, hintOf(err))
	}
	if err := s.Remove("acme-prod"); err != nil {
		t.Fatal(err)
	}
	if _, src, _ := s.Token("acme-prod"); src != "none" {
		t.Fatalf("token survived remove: %s", src)
	}
	if err := s.Remove("acme-prod"); !errors.Is(err, ErrUnknownAccount) {
		t.Fatalf("second remove = %v", err)
	}
}

func TestGetUnknownListsAccounts(t *testing.T) {
	s := newStore(t, nil)
	_, err := s.Get("x")
	if codeOf(err) != 3 || !strings.Contains(hintOf(err), "handoff account add") {
		t.Fatalf("Get on empty store = %v, hint %q", err, hintOf(err))
	}
	mustAdd(t, s, Account{Name: "b", Endpoint: "https://b.example.com"}, "")
	mustAdd(t, s, Account{Name: "a", Endpoint: "https://a.example.com"}, "")
	_, err = s.Get("c")
	if !errors.Is(err, ErrUnknownAccount) || !strings.Contains(hintOf(err), "Accounts: a, b") {
		t.Fatalf("Get(c) = %v, hint %q", err, hintOf(err))
	}
}

func TestAddValidates(t *testing.T) {
	s := newStore(t, nil)
	cases := []struct {
		a   Account
		msg string
	}{
		{Account{Name: "Acme", Endpoint: "https://a.example.com"}, "invalid account name"},
		{Account{Name: "a b", Endpoint: "https://a.example.com"}, "invalid account name"},
		{Account{Name: "plain", Endpoint: "http://a.example.com"}, "plain http"},
		{Account{Name: "v1", Endpoint: "https://live-mt-server.wati.io", API: "v1"}, "needs a tenant id"},
		{Account{Name: "v2", Endpoint: "https://a.example.com", API: "v2"}, "v3 or v1"},
	}
	for _, c := range cases {
		err := s.Add(c.a, "t", false)
		if err == nil || !strings.Contains(err.Error(), c.msg) || codeOf(err) != 2 {
			t.Errorf("Add(%+v) = %v; want usage error %q", c.a, err, c.msg)
		}
	}
	if _, err := os.Stat(s.ConfigPath()); err == nil {
		t.Fatal("a refused add wrote config.yaml")
	}
	// A per-tenant host implies the tenant.
	mustAdd(t, s, Account{Name: "old", Endpoint: "https://live-server-12345.wati.io", API: "v1"}, "")
	if err := s.Add(Account{Name: "tok", Endpoint: "https://a.example.com"}, "two words", false); codeOf(err) != 2 {
		t.Fatalf("token with spaces: %v", err)
	}
}

func TestAddExistingNeedsForce(t *testing.T) {
	s := newStore(t, nil)
	mustAdd(t, s, Account{Name: "acme", Endpoint: "https://a.example.com"}, "tok1")
	err := s.Add(Account{Name: "acme", Endpoint: "https://a.example.com"}, "tok2", false)
	if !errors.Is(err, ErrExists) || codeOf(err) != 2 || !strings.Contains(hintOf(err), "--force") {
		t.Fatalf("Add over existing = %v", err)
	}
	if tok, _, _ := s.Token("acme"); tok != "tok1" {
		t.Fatalf("refused add changed the token to %q", tok)
	}
	// Same host, no token: the stored token is kept.
	if err := s.Add(Account{Name: "acme", Endpoint: "https://a.example.com", Channel: "Sales"}, "", true); err != nil {
		t.Fatal(err)
	}
	if tok, _, _ := s.Token("acme"); tok != "tok1" {
		t.Fatalf("same-host replace lost the token: %q", tok)
	}
	// Another host, no token: the old token must not follow the account there.
	if err := s.Add(Account{Name: "acme", Endpoint: "https://b.example.com"}, "", true); err != nil {
		t.Fatal(err)
	}
	if tok, src, _ := s.Token("acme"); tok != "" || src != "none" {
		t.Fatalf("token followed the account to another host: %q %q", tok, src)
	}
	a, _ := s.Get("acme")
	if a.Channel != "" || a.Endpoint != "https://b.example.com" {
		t.Fatalf("replace did not replace fields: %+v", a)
	}
}

func TestTokenPrecedence(t *testing.T) {
	env := map[string]string{}
	s := newStore(t, env)
	mustAdd(t, s, Account{Name: "acme-prod", Endpoint: "https://a.example.com"}, "from-file")
	mustAdd(t, s, Account{Name: "other", Endpoint: "https://a.example.com"}, "other-file")
	check := func(name, wantTok, wantSrc string) {
		t.Helper()
		tok, src, err := s.Token(name)
		if err != nil || tok != wantTok || src != wantSrc {
			t.Fatalf("Token(%s) = %q, %q, %v; want %q from %q", name, tok, src, err, wantTok, wantSrc)
		}
	}
	check("acme-prod", "from-file", "credentials.yaml")
	env["HANDOFF_TOKEN"] = "Bearer global"
	check("acme-prod", "global", "env HANDOFF_TOKEN")
	env["HANDOFF_TOKEN_ACME_PROD"] = " specific\n"
	check("acme-prod", "specific", "env HANDOFF_TOKEN_ACME_PROD")
	check("other", "global", "env HANDOFF_TOKEN")
	if TokenEnvVar("a.b-c_9") != "HANDOFF_TOKEN_A_B_C_9" {
		t.Fatal(TokenEnvVar("a.b-c_9"))
	}
}

func TestCredentialsMode(t *testing.T) {
	env := map[string]string{}
	s := newStore(t, env)
	mustAdd(t, s, Account{Name: "acme", Endpoint: "https://a.example.com"}, "tok")
	fi, err := os.Stat(s.CredentialsPath())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials.yaml mode = %v, %v", fi.Mode(), err)
	}
	if err := os.Chmod(s.CredentialsPath(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Token("acme")
	var unsafe *UnsafeFileError
	if !errors.As(err, &unsafe) || codeOf(err) != 3 || hintOf(err) != "Run: chmod 600 "+s.CredentialsPath() {
		t.Fatalf("Token with mode 0644 = %v, hint %q", err, hintOf(err))
	}
	if strings.Contains(err.Error(), "tok") && !strings.Contains(err.Error(), "token") {
		t.Fatalf("error leaks the token: %v", err)
	}
	// Writing over an unsafe file is refused as well; the env still works.
	if err := s.Add(Account{Name: "b", Endpoint: "https://b.example.com"}, "tok2", false); !errors.As(err, &unsafe) {
		t.Fatalf("Add with unsafe credentials = %v", err)
	}
	env["HANDOFF_TOKEN_ACME"] = "envtok"
	if tok, _, err := s.Token("acme"); tok != "envtok" || err != nil {
		t.Fatalf("env token with unsafe file = %q %v", tok, err)
	}
	os.Chmod(s.CredentialsPath(), 0o600)
	if tok, _, err := s.Token("b"); tok != "" || err != nil {
		t.Fatalf("refused add stored a token: %q %v", tok, err)
	}
}

func TestKeepsForeignKeysAndComments(t *testing.T) {
	s := newStore(t, nil)
	os.MkdirAll(s.Dir(), 0o700)
	orig := `# my handoff settings
directory-ttl: 12h   # refresh twice a day
accounts:
  # production workspace
  acme:
    endpoint: https://a.example.com
    api: v3
    owner: ops-team
editor: vim
`
	if err := os.WriteFile(s.ConfigPath(), []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, Account{Name: "beta", Endpoint: "https://b.example.com"}, "t")
	if err := s.Add(Account{Name: "acme", Endpoint: "https://a.example.com", Channel: "Support"}, "", true); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.ConfigPath())
	got := string(data)
	for _, want := range []string{"# my handoff settings", "directory-ttl: 12h", "# refresh twice a day", "# production workspace", "owner: ops-team", "editor: vim", "channel: Support", "beta:", "default_account: beta"} {
		if !strings.Contains(got, want) {
			t.Errorf("config.yaml lost %q:\n%s", want, got)
		}
	}
	if fi, _ := os.Stat(s.ConfigPath()); fi.Mode().Perm() != 0o640 {
		t.Errorf("config.yaml mode changed to %v", fi.Mode())
	}
	if strings.Contains(got, "\"t\"") || strings.Contains(got, ": t\n") {
		t.Errorf("config.yaml holds the token:\n%s", got)
	}
}

func TestBadConfigIsConfigError(t *testing.T) {
	s := newStore(t, nil)
	os.MkdirAll(s.Dir(), 0o700)
	os.WriteFile(s.ConfigPath(), []byte("accounts: [\n"), 0o644)
	if _, err := s.List(); codeOf(err) != 3 || !strings.Contains(err.Error(), "config.yaml") {
		t.Fatalf("List with broken YAML = %v", err)
	}
	if err := s.Add(Account{Name: "a", Endpoint: "https://a.example.com"}, "t", false); codeOf(err) != 3 {
		t.Fatalf("Add with broken YAML = %v", err)
	}
	data, _ := os.ReadFile(s.ConfigPath())
	if string(data) != "accounts: [\n" {
		t.Fatalf("broken config was overwritten: %q", data)
	}
	os.WriteFile(s.ConfigPath(), []byte("accounts:\n  a:\n    endpoint: http://evil.example.com\n"), 0o644)
	if _, err := s.Get("a"); codeOf(err) != 3 || !strings.Contains(err.Error(), "config.yaml:2:3") {
		t.Fatalf("Get of a hand-edited plain-http account = %v", err)
	}
}

// Separate Store values on one folder, adding at the same time: the lock
// makes every add survive, with its token.
func TestConcurrentAdds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := NewStore(dir, func(string) string { return "" })
			errs <- s.Add(Account{Name: fmt.Sprintf("acc-%02d", i), Endpoint: "https://a.example.com"}, fmt.Sprintf("tok-%02d", i), false)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := NewStore(dir, func(string) string { return "" })
	names, _ := s.Names()
	if len(names) != n {
		t.Fatalf("%d accounts survived, want %d: %v", len(names), n, names)
	}
	for i := 0; i < n; i++ {
		if tok, _, _ := s.Token(fmt.Sprintf("acc-%02d", i)); tok != fmt.Sprintf("tok-%02d", i) {
			t.Errorf("acc-%02d token = %q", i, tok)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestSetToken(t *testing.T) {
	s := newStore(t, nil)
	if err := s.SetToken("acme", "t"); !errors.Is(err, ErrUnknownAccount) {
		t.Fatalf("SetToken on unknown = %v", err)
	}
	mustAdd(t, s, Account{Name: "acme", Endpoint: "https://a.example.com", Channel: "Support"}, "old")
	if err := s.SetToken("acme", "Bearer new\n"); err != nil {
		t.Fatal(err)
	}
	if tok, _, _ := s.Token("acme"); tok != "new" {
		t.Fatalf("token = %q", tok)
	}
	if a, _ := s.Get("acme"); a.Channel != "Support" {
		t.Fatalf("SetToken changed the account: %+v", a)
	}
	if err := s.SetToken("acme", "  "); codeOf(err) != 2 {
		t.Fatalf("empty token = %v", err)
	}
}
