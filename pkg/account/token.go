package account

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"gopkg.in/yaml.v3"
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
// an optional "Bearer " prefix go; a token with white space inside is refused.
func CleanToken(t string) (string, error) {
	t = strings.TrimSpace(t)
	if len(t) >= 7 && strings.EqualFold(t[:7], "bearer ") {
		t = strings.TrimSpace(t[7:])
	}
	if strings.ContainsAny(t, " \t\r\n") {
		return "", usageErr("Paste only the token from Wati (Connector > API > API Tokens).", "the token contains white space")
	}
	return t, nil
}

// Token returns an account's token and where it came from. Order: env
// HANDOFF_TOKEN_<ACCOUNT>, env HANDOFF_TOKEN, credentials.yaml. No token is
// not an error: token is "" and source "none". A credentials file readable by
// group or others is refused (*UnsafeFileError, exit 3).
func (s *Store) Token(name string) (token, source string, err error) {
	for _, env := range []string{TokenEnvVar(name), "HANDOFF_TOKEN"} {
		if v := s.getenv(env); strings.TrimSpace(v) != "" {
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
		return v.Value, SourceCredentials, nil
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

// checkMode refuses a credentials file that group or others can read.
func checkMode(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
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
		if errors.As(err, &unsafe) {
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
