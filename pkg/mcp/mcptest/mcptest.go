// Package mcptest holds MCP test helpers shared by the packages that serve
// or run handoff's MCP tools: a client-side check that every tool result
// matches the outputSchema its tool advertises, as strict clients (the
// TypeScript SDK, the MCP inspector) require. It is imported by tests only.
package mcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var checked atomic.Int64

// Checked is the number of tool results checked so far in this process.
func Checked() int64 { return checked.Load() }

// Check makes c check every tools/call result it receives, error or not:
//   - a tool with an outputSchema returns structuredContent, valid against
//     that schema (compiled by santhosh-tekuri/jsonschema, draft 2020-12);
//   - one text block carries the same JSON (MCP 2025-06-18: "a tool that
//     returns structured content SHOULD also return the serialized JSON in a
//     TextContent block").
//
// The schemas are those the server advertised, read with tools/list in the
// same session. Failures are reported with errorf (t.Errorf in a test).
func Check(errorf func(format string, args ...any), c *sdk.Client) {
	c.AddSendingMiddleware(func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
			res, err := next(ctx, method, req)
			if err != nil || method != "tools/call" {
				return res, err
			}
			p, ok := req.GetParams().(*sdk.CallToolParams)
			r, ok2 := res.(*sdk.CallToolResult)
			cs, ok3 := req.GetSession().(*sdk.ClientSession)
			if !ok || !ok2 || !ok3 {
				errorf("tools/call: unexpected types %T %T %T", req.GetParams(), res, req.GetSession())
				return res, err
			}
			// Read the schema each time: tools change with the folder.
			if msg := CheckResult(schemaOf(errorf, ctx, cs, p.Name), r); msg != "" {
				errorf("tool %s: %s", p.Name, msg)
			}
			checked.Add(1)
			return res, err
		}
	})
}

// schemaOf compiles the advertised outputSchema of a tool (nil: none).
func schemaOf(errorf func(string, ...any), ctx context.Context, cs *sdk.ClientSession, name string) *jsonschema.Schema {
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			errorf("tools/list: %v", err)
			return nil
		}
		if tl.Name != name || tl.OutputSchema == nil {
			continue
		}
		sch, err := Compile(tl.OutputSchema)
		if err != nil {
			errorf("tool %s: the outputSchema does not compile: %v", name, err)
		}
		return sch
	}
	return nil
}

// Compile compiles a JSON Schema given as any JSON-marshalable value.
func Compile(schema any) (*jsonschema.Schema, error) {
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("output.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("output.schema.json")
}

// CheckResult says what is wrong with a result for a tool whose output
// schema is sch ("" when nothing).
func CheckResult(sch *jsonschema.Schema, r *sdk.CallToolResult) string {
	if sch == nil {
		return ""
	}
	if r.StructuredContent == nil {
		return "no structuredContent although the tool has an outputSchema"
	}
	b, err := json.Marshal(r.StructuredContent)
	if err != nil {
		return fmt.Sprintf("structuredContent: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Sprintf("structuredContent: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Sprintf("structuredContent %s does not match the outputSchema: %v", b, err)
	}
	for _, c := range r.Content {
		tc, ok := c.(*sdk.TextContent)
		if !ok {
			continue
		}
		var v any
		if json.Unmarshal([]byte(tc.Text), &v) == nil {
			if again, _ := json.Marshal(v); bytes.Equal(again, b) {
				return ""
			}
		}
	}
	return "no text block carries the JSON of structuredContent"
}

// Main runs a package's tests (call it from TestMain) and fails the package
// when its tests, run whole, checked no tool result: the check is wired into
// the package's test clients, so a run that checks nothing lost it.
func Main(m interface{ Run() int }) { // *testing.M, or one wrapped (watitest.M)
	code := m.Run()
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" && Checked() == 0 {
		fmt.Println("FAIL: no tool result was checked against its outputSchema (wire mcptest.Check into the test client)")
		code = 1
	}
	os.Exit(code)
}
