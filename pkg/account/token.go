package account

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// Token sources, as Token reports them.
const (
	SourceCredentials = "credentials.yaml"
	SourceNone        = "none"
)

// TokenEnvVar is the environment variable holding one account's token:
// HANDOFF_TOKEN_ and the name upper-cased, any other character than a
// letter or digit as _ (acme-prod: HANDOFF_TOKEN_ACME_PROD).
func TokenEnvVar(name string) string {
	var b strings.Builder
	b.WriteString("HANDOFF_TOKEN_")
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// CleanToken trims a token as pasted or piped: surrounding white space and
// an optional "Bearer " prefix go; a token with white space or a control
// character (CR, LF, NUL...) inside is refused: it could not go into an
// HTTP header.
func CleanToken(t string) (string, error) {
	t = strings.TrimSpace(t)
	if len(t) >= 7 && strings.EqualFold(t[:7], "bearer ") {
		t = strings.TrimSpace(t[7:])
	}
	if strings.ContainsAny(t, "\r\n") {
		return "", usageErr("Paste only the token from Wati (Connector > API > API Tokens), on one line.", "the token contains a line break (CR or LF)")
	}
	if strings.ContainsAny(t, " \t") {
		return "", usageErr("Paste only the token from Wati (Connector > API > API Tokens).", "the token contains white space")
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 0x20 || c == 0x7f {
			return "", usageErr("Paste only the token from Wati (Connector > API > API Tokens); check the file it came from.",
				"the token contains a control character (byte 0x%02x at position %d)", c, i+1)
		}
	}
	return t, nil
}

// TokenEnvCollision returns the other account among names whose token
// variable is also name's (acme-prod and acme_prod both read
// HANDOFF_TOKEN_ACME_PROD), "" when none.
func TokenEnvCollision(name string, names []string) string {
	v := TokenEnvVar(name)
	for _, n := range names {
		if n != name && TokenEnvVar(n) == v {
			return n
		}
	}
	return ""
}

// Token returns an account's token and where it came from. Order: env
// HANDOFF_TOKEN_<ACCOUNT>, env HANDOFF_TOKEN, credentials.yaml. No token is
// not an error: token is "" and source "none". A credentials file readable by
// group or others is refused (*UnsafeFileError, exit 3).
func (s *Store) Token(name string) (token, source string, err error) {
	for _, env := range []string{TokenEnvVar(name), "HANDOFF_TOKEN"} {
		if v := s.getenv(env); strings.TrimSpace(v) != "" {
			if env != "HANDOFF_TOKEN" {
				// Two accounts sharing one variable (a hand-edited config.yaml):
				// the token would go to both hosts. Refuse rather than guess.
				if names, err := s.Names(); err == nil {
					if other := TokenEnvCollision(name, names); other != "" {
						return "", "env " + env, &Error{Code: exitConfig,
							Err: fmt.Errorf("accounts %q and %q both take their token from %s: refusing to send it to either", name, other, env),
							Tip: "Rename one of them in " + s.ConfigPath() + " (for example " + strings.ReplaceAll(other, "_", "-") + "2), or unset " + env + "."}
					}
				}
			}
			t, err := CleanToken(v)
			if err != nil {
				return "", "env " + env, &Error{Code: exitConfig, Err: fmt.Errorf("%s: %w", env, err), Tip: "Set " + env + " to the token alone."}
			}
			return t, "env " + env, nil
		}
	}
	toks, err := s.readCredentials()
	if err != nil {
		return "", SourceCredentials, err
	}
	if v := mapGet(toks, name); v != nil && v.Kind == yaml.ScalarNode && v.Value != "" {
		t, err := CleanToken(v.Value)
		if err != nil {
			return "", SourceCredentials, &Error{Code: exitConfig, Err: fmt.Errorf("%s: token of %q: %w", s.CredentialsPath(), name, err),
				Tip: "Store it again: handoff account add " + name + " --with-token < token.txt"}
		}
		return t, SourceCredentials, nil
	}
	return "", SourceNone, nil
}

// TokenSource says where an account's token would come from without
// reading it: "env X", "credentials.yaml", "none", or the error that keeps
// the credentials file from being read.
func (s *Store) TokenSource(name string) (string, error) {
	_, src, err := s.Token(name)
	return src, err
}

// HasStoredToken reports whether credentials.yaml holds a token for name.
func (s *Store) HasStoredToken(name string) (bool, error) {
	toks, err := s.readCredentials()
	if err != nil {
		return false, err
	}
	v := mapGet(toks, name)
	return v != nil && v.Value != "", nil
}

// checkMode refuses a credentials file that group or others can read, and
// a path that is not a regular file at all (a folder, a named pipe).
func checkMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := regularFile(path, fi); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &UnsafeFileError{Path: path, Mode: fi.Mode()}
	}
	return nil
}

// readCredentials returns the tokens mapping of credentials.yaml (empty when
// the file does not exist).
func (s *Store) readCredentials() (*yaml.Node, error) {
	doc, err := s.loadCredentials()
	if err != nil {
		return nil, err
	}
	toks := mapGet(doc.Content[0], "tokens")
	if toks == nil || toks.Kind != yaml.MappingNode {
		return &yaml.Node{Kind: yaml.MappingNode}, nil
	}
	return toks, nil
}

func (s *Store) loadCredentials() (*yaml.Node, error) {
	path := s.CredentialsPath()
	if err := checkMode(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return newCredentialsDoc(), nil
		}
		var unsafe *UnsafeFileError
		var coded *Error
		if errors.As(err, &unsafe) || errors.As(err, &coded) {
			return nil, err
		}
		return nil, configErr("", "reading %s: %v", path, err)
	}
	doc, err := loadDoc(path)
	if err != nil {
		return nil, err
	}
	if len(doc.Content[0].Content) == 0 {
		return newCredentialsDoc(), nil
	}
	return doc, nil
}

func newCredentialsDoc() *yaml.Node {
	doc := newDoc()
	doc.Content[0].HeadComment = "handoff tokens, one per account. Keep this file private (chmod 600);\nnever commit it. Environment variables HANDOFF_TOKEN_<ACCOUNT> and\nHANDOFF_TOKEN take precedence over it."
	return doc
}

// editCredentials changes the tokens mapping under the store's lock and
// rewrites credentials.yaml atomically with mode 0600.
func (s *Store) editCredentials(edit func(tokens *yaml.Node)) error {
	doc, err := s.loadCredentials()
	if err != nil {
		return err
	}
	edit(mapChild(doc.Content[0], "tokens"))
	data, err := encodeDoc(doc)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.CredentialsPath(), data, 0o600); err != nil {
		return configErr("", "writing %s: %v", s.CredentialsPath(), err)
	}
	return nil
}

// regularFile refuses a configuration path that is not a regular file: a
// folder gets its own message (a chmod would not help), and a named pipe or
// a device is never opened (reading it could wait forever).
func regularFile(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode().IsRegular():
		return nil
	case fi.IsDir():
		return configErr("Move the folder away (handoff keeps this file there): mv "+path+" "+path+".old",
			"%s is a folder, not a file", path)
	default:
		return configErr("Remove it or move it away; handoff writes a regular file there.",
			"%s is not a regular file (%s)", path, fsutil.FileKind(fi.Mode()))
	}
}
