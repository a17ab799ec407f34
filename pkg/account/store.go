package account

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// Store reads and writes config.yaml and credentials.yaml in one folder.
// Several Store values (or processes) may share a folder: every change takes
// a file lock and rewrites the files atomically, keeping keys and comments it
// does not own.
type Store struct {
	dir    string
	getenv func(string) string
}

// NewStore returns the store for configDir; nothing touches disk until a method runs.
func NewStore(configDir string, getenv func(string) string) *Store {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Store{dir: configDir, getenv: getenv}
}

// Dir is the configuration folder.
func (s *Store) Dir() string { return s.dir }

// ConfigPath is config.yaml (accounts, default account; no secret).
func (s *Store) ConfigPath() string { return filepath.Join(s.dir, "config.yaml") }

// CredentialsPath is credentials.yaml (tokens; mode 0600).
func (s *Store) CredentialsPath() string { return filepath.Join(s.dir, "credentials.yaml") }

// Account is one connected Wati workspace. No secret lives here.
type Account struct {
	Name     string `json:"name" yaml:"-"`
	Endpoint string `json:"endpoint" yaml:"endpoint"`
	API      string `json:"api" yaml:"api,omitempty"`
	TenantID string `json:"tenant_id,omitempty" yaml:"tenant_id,omitempty"`
	Channel  string `json:"channel,omitempty" yaml:"channel,omitempty"`
	Default  bool   `json:"default" yaml:"-"`
}

var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`) }) // lazy: nothing compiled at start-up

// ValidName checks an account name: a lower-case slug (letters, digits, - and
// _), at most 63 characters, so that it maps to one HANDOFF_TOKEN_<ACCOUNT>.
func ValidName(name string) error {
	if !nameRE().MatchString(name) {
		return usageErr("Use a lower-case slug such as acme-prod (letters, digits, - and _).",
			"invalid account name %q", name)
	}
	if fsutil.IsReservedName(name) { // the directory cache is NAME.json
		return usageErr("Use another name, such as "+name+"-prod.",
			"account name %q is a device name on Windows (con, prn, aux, nul, com0-9, lpt0-9)", name)
	}
	return nil
}

// config is what config.yaml says about accounts.
type config struct {
	doc      *yaml.Node
	accounts map[string]Account
	lines    map[string][2]int // account name -> line, column
	def      string
}

func (s *Store) readConfig() (*config, error) {
	path := s.ConfigPath()
	doc, err := loadDoc(path)
	if err != nil {
		return nil, err
	}
	c := &config{doc: doc, accounts: map[string]Account{}, lines: map[string][2]int{}}
	root := doc.Content[0]
	if d := mapGet(root, "default_account"); d != nil && d.Kind == yaml.ScalarNode {
		c.def = d.Value
	}
	accs := mapGet(root, "accounts")
	if accs == nil || (accs.Kind == yaml.ScalarNode && accs.Tag == "!!null") {
		return c, nil
	}
	if accs.Kind != yaml.MappingNode {
		return nil, configErr("Fix the YAML in that file.", "%s:%d:%d: accounts must be a mapping of account names", path, accs.Line, accs.Column)
	}
	for i := 0; i+1 < len(accs.Content); i += 2 {
		k, v := accs.Content[i], accs.Content[i+1]
		a := Account{Name: k.Value}
		if v.Kind == yaml.MappingNode {
			a.Endpoint = scalar(v, "endpoint")
			a.API = scalar(v, "api")
			a.TenantID = scalar(v, "tenant_id")
			a.Channel = scalar(v, "channel")
		} else if !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
			return nil, configErr("Fix the YAML in that file.", "%s:%d:%d: account %q must be a mapping (endpoint, api, tenant_id, channel)", path, v.Line, v.Column, k.Value)
		}
		if a.API == "" {
			a.API = "v3"
		}
		a.Default = a.Name == c.def
		c.accounts[a.Name] = a
		c.lines[a.Name] = [2]int{k.Line, k.Column}
	}
	return c, nil
}

func scalar(m *yaml.Node, key string) string {
	if v := mapGet(m, key); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return strings.TrimSpace(v.Value)
	}
	return ""
}

func (s *Store) writeConfig(c *config) error {
	data, err := encodeDoc(c.doc)
	if err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(s.ConfigPath()); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := writeFileAtomic(s.ConfigPath(), data, perm); err != nil {
		return configErr("", "writing %s: %v", s.ConfigPath(), err)
	}
	return nil
}

// List returns the configured accounts sorted by name.
func (s *Store) List() ([]Account, error) {
	c, err := s.readConfig()
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(c.accounts))
	for _, a := range c.accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Names returns the configured account names, sorted.
func (s *Store) Names() ([]string, error) {
	accs, err := s.List()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(accs))
	for i, a := range accs {
		names[i] = a.Name
	}
	return names, nil
}

// Get returns one account, checked. An unknown name is a configuration
// error (exit 3) whose hint lists the accounts there are.
func (s *Store) Get(name string) (Account, error) {
	c, err := s.readConfig()
	if err != nil {
		return Account{}, err
	}
	a, ok := c.accounts[name]
	if !ok {
		return Account{}, unknownAccount(name, c)
	}
	if err := checkStored(a); err != nil {
		pos := c.lines[name]
		return Account{}, configErr(fmt.Sprintf("Fix it with: handoff account add %s --endpoint URL --force", name),
			"%s:%d:%d: account %q: %v", s.ConfigPath(), pos[0], pos[1], name, err)
	}
	a.Endpoint, _ = NormalizeEndpoint(a.Endpoint)
	return a, nil
}

func unknownAccount(name string, c *config) error {
	names := make([]string, 0, len(c.accounts))
	for n := range c.accounts {
		names = append(names, n)
	}
	sort.Strings(names)
	tip := "No account is configured. Run: handoff account add NAME --endpoint URL --with-token"
	if len(names) > 0 {
		tip = "Accounts: " + strings.Join(names, ", ") + ". Add one with: handoff account add " + name + " --endpoint URL --with-token"
	}
	if name == "" {
		return &Error{Code: exitConfig, Err: fmt.Errorf("no account given and no default account"), Tip: tip}
	}
	return &Error{Code: exitConfig, Err: fmt.Errorf("%w %q", ErrUnknownAccount, name), Tip: tip}
}

// checkStored validates an account as read from config.yaml (it may have been edited by hand).
func checkStored(a Account) error {
	if a.Endpoint == "" {
		return fmt.Errorf("no endpoint")
	}
	if _, err := NormalizeEndpoint(a.Endpoint); err != nil {
		return err
	}
	return checkAPI(a)
}

func checkAPI(a Account) error {
	switch a.API {
	case "v3", "":
	case "v1":
		if a.TenantID == "" && !HostImpliesTenant(a.Endpoint) {
			return usageErr("Give the tenant id with --tenant-id (the number in your Wati dashboard URL), or use --api v3.",
				"a v1 account needs a tenant id (its host %s does not imply one)", Host(a.Endpoint))
		}
	default:
		return usageErr("Use --api v3 (recommended) or --api v1.", "api must be v3 or v1, not %q", a.API)
	}
	return nil
}

// Default returns the default account's name, "" when none is set.
func (s *Store) Default() (string, error) {
	c, err := s.readConfig()
	if err != nil {
		return "", err
	}
	return c.def, nil
}

// Resolve returns the account to use: name when given, else the default.
func (s *Store) Resolve(name string) (Account, error) {
	if name == "" {
		def, err := s.Default()
		if err != nil {
			return Account{}, err
		}
		if def == "" {
			c, err := s.readConfig()
			if err != nil {
				return Account{}, err
			}
			return Account{}, unknownAccount("", c)
		}
		name = def
	}
	return s.Get(name)
}

// Prepare checks and normalises an account before Add: name, endpoint (a
// tenant id in a pasted v1 URL is taken when none is given), api and tenant.
func Prepare(a Account) (Account, error) {
	if err := ValidName(a.Name); err != nil {
		return a, err
	}
	ep, err := ParseEndpoint(a.Endpoint)
	if err != nil {
		return a, err
	}
	a.Endpoint = ep.URL
	a.API = strings.ToLower(strings.TrimSpace(a.API))
	if a.API == "" {
		a.API = "v3"
	}
	a.TenantID = strings.TrimSpace(a.TenantID)
	if a.TenantID == "" && a.API == "v1" {
		a.TenantID = ep.TenantID
	}
	if a.TenantID != "" && a.API == "v3" {
		a.TenantID = "" // v3 has no tenant in the path; the token identifies the workspace
	}
	a.Channel = strings.TrimSpace(a.Channel)
	if err := checkAPI(a); err != nil {
		return a, err
	}
	return a, nil
}

// Add saves an account and, when token is not empty, its token. An existing
// name is replaced only with force (keys this tool does not know are kept).
// When the first account is added it becomes the default. When an account is
// replaced by one on another host and no token is given, the old token is
// dropped: a token is only ever sent to the host it was issued for.
func (s *Store) Add(a Account, token string, force bool) error {
	a, err := Prepare(a)
	if err != nil {
		return err
	}
	token, err = CleanToken(token)
	if err != nil {
		return err
	}
	return s.withLock(func() error {
		c, err := s.readConfig()
		if err != nil {
			return err
		}
		old, exists := c.accounts[a.Name]
		names := make([]string, 0, len(c.accounts))
		for n := range c.accounts {
			names = append(names, n)
		}
		sort.Strings(names)
		if other := TokenEnvCollision(a.Name, names); other != "" {
			v := TokenEnvVar(a.Name)
			return &Error{Code: exitUsage,
				Err: fmt.Errorf("account name %q would share the token variable %s with account %q", a.Name, v, other),
				Tip: fmt.Sprintf("Names map to HANDOFF_TOKEN_<NAME> with - and _ alike, so one token would go to both hosts. Choose another name (e.g. %s-2), or replace %q: handoff account add %s --force", a.Name, other, other)}
		}
		if exists && !force {
			return &Error{Code: exitUsage, Err: fmt.Errorf("%w: %q (%s)", ErrExists, a.Name, old.Endpoint),
				Tip: "Use --force to replace it, or choose another name."}
		}
		dropToken := exists && token == "" && Host(old.Endpoint) != Host(a.Endpoint)
		if token != "" || dropToken {
			if err := s.editCredentials(func(toks *yaml.Node) {
				if token != "" {
					mapSet(toks, a.Name, str(token))
				} else {
					mapDelete(toks, a.Name)
				}
			}); err != nil {
				return err
			}
		}
		root := c.doc.Content[0]
		accs := mapChild(root, "accounts")
		node := mapGet(accs, a.Name)
		if node == nil || node.Kind != yaml.MappingNode {
			node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			mapSet(accs, a.Name, node)
		}
		for _, kv := range [][2]string{{"endpoint", a.Endpoint}, {"api", a.API}, {"tenant_id", a.TenantID}, {"channel", a.Channel}} {
			if kv[1] == "" {
				mapDelete(node, kv[0])
			} else {
				mapSet(node, kv[0], str(kv[1]))
			}
		}
		if _, ok := c.accounts[c.def]; !ok { // no default yet (or a stale one): this account becomes it
			mapSet(root, "default_account", str(a.Name))
		}
		return s.writeConfig(c)
	})
}

// Remove deletes an account and its stored token. When it was the default,
// no account is default afterwards.
func (s *Store) Remove(name string) error {
	return s.withLock(func() error {
		c, err := s.readConfig()
		if err != nil {
			return err
		}
		if _, ok := c.accounts[name]; !ok {
			return unknownAccount(name, c)
		}
		// The token goes first: a crash in between leaves an account without
		// a token, never a token without its account.
		if err := s.editCredentials(func(toks *yaml.Node) { mapDelete(toks, name) }); err != nil {
			return err
		}
		root := c.doc.Content[0]
		mapDelete(mapGet(root, "accounts"), name)
		if c.def == name {
			mapDelete(root, "default_account")
		}
		return s.writeConfig(c)
	})
}

// Use makes name the default account.
func (s *Store) Use(name string) error {
	return s.withLock(func() error {
		c, err := s.readConfig()
		if err != nil {
			return err
		}
		if _, ok := c.accounts[name]; !ok {
			return unknownAccount(name, c)
		}
		mapSet(c.doc.Content[0], "default_account", str(name))
		return s.writeConfig(c)
	})
}

// SetToken stores a new token for an existing account (rotation), leaving
// its settings as they are.
func (s *Store) SetToken(name, token string) error {
	token, err := CleanToken(token)
	if err != nil {
		return err
	}
	if token == "" {
		return usageErr("", "the token is empty")
	}
	return s.withLock(func() error {
		c, err := s.readConfig()
		if err != nil {
			return err
		}
		if _, ok := c.accounts[name]; !ok {
			return unknownAccount(name, c)
		}
		return s.editCredentials(func(toks *yaml.Node) { mapSet(toks, name, str(token)) })
	})
}
