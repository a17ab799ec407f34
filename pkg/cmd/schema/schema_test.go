package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// `handoff schema` prints exactly the committed docs/action.schema.json.
func TestSchemaOutputIsCommittedFile(t *testing.T) {
	ios, _, out, _ := cmdutil.Test()
	cmd := NewCmdSchema(&cmdutil.Factory{IO: ios}, nil)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "action.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatal("handoff schema differs from docs/action.schema.json")
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil || m["title"] != "handoff action" {
		t.Errorf("not the action schema: %v", err)
	}
}

func TestSchemaTakesNoArgs(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	cmd := NewCmdSchema(&cmdutil.Factory{IO: ios}, nil)
	cmd.SetArgs([]string{"x"})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil {
		t.Error("accepted an argument")
	}
}
