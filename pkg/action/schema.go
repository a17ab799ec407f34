package action

import _ "embed"

//go:embed action.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of an action file. The same
// bytes are committed as docs/action.schema.json; a test keeps them equal.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
