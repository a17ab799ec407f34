package export

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

const teamYAML = `version: 1
name: escalate-billing
intent: >-
  The customer disputes a charge, asks for a refund, or asks for a person about an invoice.
account: sandbox
assignee:
  type: team
  team: Billing
`

const botYAML = `version: 1
name: start-return
intent: The customer wants to return or exchange an item they bought.
account: sandbox
assignee:
  type: bot
  bot_id: 607f1f77bcf86cd799439011
  bot_name: Returns flow
`

func folder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func factory(dir string) (*cmdutil.Factory, *cmdutil.IOStreams) {
	ios, _, _, _ := cmdutil.Test()
	return &cmdutil.Factory{
		IO:       ios,
		Settings: &cmdutil.Settings{Dir: dir},
		Actions:  func() (*action.Store, error) { return action.NewStore(dir), nil },
	}, ios
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		format  string
		json    bool
		wantErr string
	}{
		{nil, "openai", false, ""},
		{[]string{"--format", "mcp", "--json"}, "mcp", true, ""},
		{[]string{"--format", "yaml"}, "", false, `unknown format "yaml"`},
	} {
		f, _ := factory("/some/dir")
		var got *Options
		cmd := NewCmdExport(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(f.IO.Out)
		cmd.SetErr(f.IO.ErrOut)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.ExitCodeOf(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v (exit %d), want %q, exit 2", tc.args, err, cmdutil.ExitCodeOf(err), tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.Format != tc.format || got.JSON != tc.json || got.Dir != "/some/dir" {
			t.Errorf("%v: options %+v", tc.args, got)
		}
	}
}

type openaiTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Parameters  map[string]any `json:"parameters"`
	} `json:"function"`
}

func TestExportOpenAI(t *testing.T) {
	dir := folder(t, map[string]string{"escalate-billing.yaml": teamYAML, "start-return.yaml": botYAML, "broken.yaml": "version: 1\nname: broken\n"})
	f, ios := factory(dir)
	if err := runExport(context.Background(), &Options{IO: ios, Actions: f.Actions, Dir: dir, Format: "openai"}); err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(interface{ String() string }).String()
	var tools []openaiTool
	if err := json.Unmarshal([]byte(out), &tools); err != nil {
		t.Fatalf("stdout is not a JSON array of tools: %v\n%s", err, out)
	}
	if len(tools) != 2 {
		t.Fatalf("got %d tools, want 2 (the invalid file skipped):\n%s", len(tools), out)
	}
	byName := map[string]openaiTool{}
	for _, tl := range tools {
		byName[tl.Function.Name] = tl
	}
	team := byName["escalate-billing"]
	if team.Type != "function" || !strings.Contains(team.Function.Description, "disputes a charge") ||
		!strings.Contains(team.Function.Description, "Billing team") {
		t.Errorf("team tool %+v", team)
	}
	p := team.Function.Parameters
	if p["type"] != "object" || p["additionalProperties"] != false || p["properties"].(map[string]any)["conversation"] == nil {
		t.Errorf("parameters %v", p)
	}
	if !strings.Contains(byName["start-return"].Function.Description, "every call runs the flow again") {
		t.Errorf("chatbot description %q", byName["start-return"].Function.Description)
	}
	errOut := ios.ErrOut.(interface{ String() string }).String()
	if !strings.Contains(errOut, "warning: skipped") || !strings.Contains(errOut, "broken.yaml") {
		t.Errorf("stderr %q does not warn about broken.yaml", errOut)
	}
}

func TestExportJSONEnvelopeAndMCP(t *testing.T) {
	dir := folder(t, map[string]string{"escalate-billing.yaml": teamYAML, "broken.yaml": "not: [valid"})
	f, ios := factory(dir)
	if err := runExport(context.Background(), &Options{IO: ios, Actions: f.Actions, Dir: dir, Format: "mcp", JSON: true}); err != nil {
		t.Fatal(err)
	}
	var env struct {
		Format string `json:"format"`
		Tools  []struct {
			Name        string         `json:"name"`
			Annotations map[string]any `json:"annotations"`
			InputSchema map[string]any `json:"inputSchema"`
		} `json:"tools"`
		Skipped []string `json:"skipped"`
	}
	out := ios.Out.(interface{ String() string }).String()
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if env.Format != "mcp" || len(env.Tools) != 1 || env.Tools[0].Name != "escalate-billing" ||
		env.Tools[0].Annotations["destructiveHint"] != true || env.Tools[0].InputSchema["type"] != "object" {
		t.Errorf("envelope %+v", env)
	}
	if len(env.Skipped) != 1 || !strings.Contains(env.Skipped[0], "broken.yaml") {
		t.Errorf("skipped %v", env.Skipped)
	}
}

func TestExportEmptyFolderIsAnEmptyArray(t *testing.T) {
	dir := t.TempDir()
	f, ios := factory(dir)
	if err := runExport(context.Background(), &Options{IO: ios, Actions: f.Actions, Dir: dir, Format: "openai"}); err != nil {
		t.Fatal(err)
	}
	if out := strings.TrimSpace(ios.Out.(interface{ String() string }).String()); out != "[]" {
		t.Errorf("stdout %q, want []", out)
	}
	if !strings.Contains(ios.ErrOut.(interface{ String() string }).String(), "no valid actions") {
		t.Error("no warning for an empty folder")
	}
}
