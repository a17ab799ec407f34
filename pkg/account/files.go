package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/handoff-dev/handoff/pkg/fsutil"
	"gopkg.in/yaml.v3"
)

// writeFileAtomic replaces path with data (temporary file, fsync, rename,
// folder fsync), creating the configuration folder private (0700) if
// missing: a crash leaves the old file or the new one, never a torn one.
// Every caller holds withLock, so a killed write's temporary file is removed.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return fsutil.WriteFile(path, data, perm, fsutil.Options{DirPerm: 0o700, CleanStale: true})
}

// lockTimeout bounds how long a writer waits for another handoff process.
var lockTimeout = 10 * time.Second

// withLock runs fn holding an exclusive lock on the configuration folder, so
// that two processes changing accounts at once never lose each other's change.
func (s *Store) withLock(fn func() error) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return configErr("Check --config-dir (env HANDOFF_CONFIG_DIR).", "creating the configuration folder: %v", err)
	}
	lk := flock.New(filepath.Join(s.dir, ".lock"), flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), lockTimeout)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = ctx.Err()
		}
		return configErr("Another handoff process is changing accounts; try again.", "locking %s: %v", lk.Path(), err)
	}
	defer lk.Unlock()
	return fn()
}

// loadDoc reads a YAML file as a node tree whose root is a mapping. A missing
// or empty file gives an empty mapping.
func loadDoc(path string) (*yaml.Node, error) {
	if fi, err := os.Stat(path); err == nil {
		if err := regularFile(path, fi); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newDoc(), nil
	}
	if err != nil {
		return nil, configErr("", "reading %s: %v", path, err)
	}
	return parseDoc(path, data)
}

func parseDoc(path string, data []byte) (*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return newDoc(), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, configErr("Fix the YAML in that file, or move it away to start afresh.", "%s: %v", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return newDoc(), nil
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return nil, configErr("Fix the YAML in that file, or move it away to start afresh.",
			"%s:%d:%d: the file must be a mapping of keys", path, root.Line, root.Column)
	}
	return &doc, nil
}

func newDoc() *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
}

func encodeDoc(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mapGet returns the value node of key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet sets key in mapping m to value, in place when present (keeping the
// key's comments), else appended.
func mapSet(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			value.HeadComment, value.LineComment, value.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, value)
}

// mapDelete removes key from mapping m; it reports whether it was there.
func mapDelete(m *yaml.Node, key string) bool {
	if m == nil || m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return true
		}
	}
	return false
}

// mapChild returns the mapping under key, creating it when absent or null.
func mapChild(m *yaml.Node, key string) *yaml.Node {
	if v := mapGet(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	mapSet(m, key, child)
	return child
}

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
