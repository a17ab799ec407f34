package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// SchemaFile is the name of the schema written beside the action files.
const SchemaFile = "action.schema.json"

// Modeline is the first line of every action file handoff writes: editors
// that speak the YAML language server resolve a relative $schema against
// the file's own folder, so the line holds wherever the folder is copied,
// as long as action.schema.json travels with it (handoff schema --write DIR).
const Modeline = "# yaml-language-server: $schema=" + SchemaFile

// What WriteSchema did.
const (
	SchemaCreated   = "created"
	SchemaUpdated   = "updated"
	SchemaUnchanged = "unchanged"
	SchemaKept      = "kept" // present and different, left alone (IfAbsent)
)

// ErrNotOurSchema is wrapped when action.schema.json exists but is not a
// handoff action schema, so that handoff never replaces someone else's file.
var ErrNotOurSchema = errors.New("not a handoff action schema")

// WriteSchema writes the schema as DIR/action.schema.json and says what it
// did. With ifAbsent an existing file is never touched; otherwise an older
// handoff schema is replaced (atomically) and any other file is refused.
func WriteSchema(dir string, ifAbsent bool) (path, status string, err error) {
	path = filepath.Join(dir, SchemaFile)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, schemaJSON):
		return path, SchemaUnchanged, nil
	case err == nil && ifAbsent:
		return path, SchemaKept, nil
	case err == nil:
		if !IsActionSchema(old) {
			return path, "", &Error{Code: exitConfig, Err: fmt.Errorf("%s exists and is %w", path, ErrNotOurSchema),
				Tip: "Move that file away, or write the schema elsewhere: handoff schema > FILE"}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return path, "", &Error{Code: exitConfig, Err: fmt.Errorf("reading %s: %w", path, err)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return path, "", &Error{Code: exitConfig, Err: fmt.Errorf("creating %s: %w", dir, err)}
	}
	if err := fsutil.WriteFile(path, schemaJSON, 0o644, fsutil.Options{NoReplace: old == nil}); err != nil {
		if errors.Is(err, fs.ErrExist) { // another writer got there first
			return path, SchemaKept, nil
		}
		return path, "", &Error{Code: exitFailure, Err: fmt.Errorf("writing %s: %w", path, err)}
	}
	if old == nil {
		return path, SchemaCreated, nil
	}
	return path, SchemaUpdated, nil
}

// IsActionSchema tells whether data is a JSON Schema of handoff actions, of
// this or any other version of handoff (earlier ones had another $id).
func IsActionSchema(data []byte) bool {
	var m struct {
		ID    string `json:"$id"`
		Title string `json:"title"`
	}
	return json.Unmarshal(data, &m) == nil && (m.ID == SchemaURL || m.Title == "handoff action")
}

// SchemaCurrent tells whether DIR/action.schema.json exists and equals
// this version's schema.
func SchemaCurrent(dir string) (exists, current bool) {
	data, err := os.ReadFile(filepath.Join(dir, SchemaFile))
	if err != nil {
		return false, false
	}
	return true, bytes.Equal(data, schemaJSON)
}
