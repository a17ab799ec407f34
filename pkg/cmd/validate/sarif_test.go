package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/internal/nodetest"
)

// RFC 3986 §3 grammar, for the format checks (santhosh-tekuri's uri formats
// accept what Go's url.Parse accepts, spaces included).
var (
	rfc3986Parts = regexp.MustCompile(`^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$`) // Appendix B
	pctOK        = `(%[0-9A-Fa-f]{2}|[A-Za-z0-9._~!$&'()*+,;=:@-])`
	pathRe       = regexp.MustCompile(`^(` + pctOK + `|/)*$`)
	queryRe      = regexp.MustCompile(`^(` + pctOK + `|[/?])*$`)
	schemeRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	authorityRe  = regexp.MustCompile(`^(` + pctOK + `|[\[\]])*$`)
)

// checkURIRef reports what keeps s from being an RFC 3986 URI-reference
// (absolute: an absolute URI).
func checkURIRef(s string, absolute bool) error {
	m := rfc3986Parts.FindStringSubmatch(s)
	if m == nil {
		return errors.New("not a URI")
	}
	scheme, hasAuth, auth, path, hasQ, q, hasF, f := m[2], m[3] != "", m[4], m[5], m[6] != "", m[7], m[8] != "", m[9]
	switch {
	case absolute && scheme == "":
		return errors.New("relative")
	case m[1] != "" && !schemeRe.MatchString(scheme):
		return fmt.Errorf("bad scheme %q", scheme)
	case hasAuth && !authorityRe.MatchString(auth):
		return fmt.Errorf("bad authority %q", auth)
	case !pathRe.MatchString(path):
		return fmt.Errorf("bad path %q", path)
	case scheme == "" && !hasAuth && strings.Contains(strings.SplitN(path, "/", 2)[0], ":"):
		return errors.New("a relative path whose first segment has ':'")
	case hasQ && !queryRe.MatchString(q), hasF && !queryRe.MatchString(f):
		return errors.New("bad query or fragment")
	}
	return nil
}

func TestCheckURIRef(t *testing.T) {
	for s, ok := range map[string]bool{"a b.yaml": false, "a%20b.yaml": true, "é.yaml": false, "%C3%A9.yaml": true, "100%.yaml": false,
		"file:///x/y%20z": true, "sarif:/runs/0/artifacts/0": true, "x/y#z": true, "x#y#z": false, "a\\b": false} {
		if got := checkURIRef(s, false) == nil; got != ok {
			t.Errorf("%q: valid=%v, want %v", s, got, ok)
		}
	}
}

// sarifSchema compiles the vendored official SARIF 2.1.0 schema, with
// formats asserted (uri and uri-reference per RFC 3986).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sarif", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for name, abs := range map[string]bool{"uri": true, "uri-reference": false} {
		abs := abs
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			if s, ok := v.(string); ok {
				return checkURIRef(s, abs)
			}
			return nil
		}})
	}
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sarifLog is what the tests read of a log.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID               string
					ShortDescription sarifMessage
					FullDescription  sarifMessage
					Help             sarifMessage
					HelpURI          string
				}
			}
		}
		OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
		Artifacts          []struct {
			Location struct {
				URI         string
				Description sarifMessage
			}
		}
		Results []struct {
			RuleID    string
			Message   sarifMessage
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string
						URIBaseID string `json:"uriBaseId"`
						Index     *int
					}
					Region struct{ StartLine int }
				}
			}
		}
	}
}

// TestSARIFHoldsToTheOfficialSchema writes SARIF for file names with spaces,
// non-ASCII letters, '%', '#', ':', for stdin, for a file outside the base
// and for a path that does not exist, and checks the log against the
// official schema (Go, and ajv in node), the URIs resolving back to the
// files, and the rules' descriptions.
func TestSARIFHoldsToTheOfficialSchema(t *testing.T) {
	bad := "version: 1\nname: x\nintent: help me\naccount: sandbox\nassignee: {type: team, team: \"\\u00a0\"}\n"
	names := []string{"my actions/éscalade facturation.yaml", "100% sure.yaml", "a#b?.yaml", "dir:colon/x.yaml", "日本語/サポート.yaml"}
	files := map[string]string{}
	for _, n := range names {
		files["repo/"+n] = bad
	}
	files["outside/other file.yaml"] = bad
	root := fixture(t, files)
	base := filepath.Join(root, "repo")
	paths := []string{filepath.Join(base, "my actions"), filepath.Join(base, "100% sure.yaml"), filepath.Join(base, "a#b?.yaml"),
		filepath.Join(base, "dir:colon"), filepath.Join(base, "日本語"), filepath.Join(root, "outside", "other file.yaml"),
		filepath.Join(base, "missing dir"), "-"}
	r := doValidate(t, &Options{Paths: paths, Format: "sarif", Base: base, Version: "1.2.3"}, nil, bad)
	if r.code != 3 {
		t.Errorf("exit %d, want 3 (a path does not exist); stderr %s", r.code, r.errOut)
	}
	var inst any
	if err := json.Unmarshal([]byte(r.out), &inst); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out)
	}
	if err := sarifSchema(t).Validate(inst); err != nil {
		t.Errorf("the SARIF log does not hold to the SARIF 2.1.0 schema: %v", err)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(r.out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	baseURI := run.OriginalURIBaseIDs["SRCROOT"].URI
	if !strings.HasPrefix(baseURI, "file:///") || !strings.HasSuffix(baseURI, "/") {
		t.Errorf("originalUriBaseIds.SRCROOT = %q", baseURI)
	}
	got := map[string]bool{}
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation.ArtifactLocation
		if err := checkURIRef(loc.URI, false); err != nil {
			t.Errorf("uri %q: %v", loc.URI, err)
		}
		var file string
		switch {
		case loc.URIBaseID == "SRCROOT":
			u, err := url.Parse(baseURI)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := url.Parse(loc.URI)
			if err != nil {
				t.Fatalf("%q: %v", loc.URI, err)
			}
			file = filepath.FromSlash(u.ResolveReference(ref).Path)
		case strings.HasPrefix(loc.URI, "file:///"):
			u, _ := url.Parse(loc.URI)
			file = filepath.FromSlash(u.Path)
		case strings.HasPrefix(loc.URI, "sarif:/runs/0/artifacts/"):
			if loc.Index == nil || run.Artifacts[*loc.Index].Location.URI != loc.URI || run.Artifacts[*loc.Index].Location.Description.Text != "standard input" {
				t.Errorf("stdin location %+v, artifacts %+v", loc, run.Artifacts)
			}
			file = "-"
		default:
			t.Errorf("unexpected uri %q", loc.URI)
		}
		got[file] = true
	}
	for _, n := range names {
		if f := filepath.Join(base, n); !got[f] {
			t.Errorf("no result resolves to %s (have %v)", f, got)
		}
	}
	for _, f := range []string{filepath.Join(root, "outside", "other file.yaml"), filepath.Join(base, "missing dir"), "-"} {
		if !got[f] {
			t.Errorf("no result for %s (have %v)", f, got)
		}
	}
	// The spaced non-ASCII name, as a relative reference to the base.
	if !strings.Contains(r.out, `"uri": "my%20actions/%C3%A9scalade%20facturation.yaml"`) || !strings.Contains(r.out, `"uri": "100%25%20sure.yaml"`) {
		t.Errorf("percent-encoding:\n%s", r.out)
	}
	for _, rule := range run.Tool.Driver.Rules {
		doc := action.RuleDocs[rule.ID]
		if rule.FullDescription.Text == "" || rule.Help.Text == "" || !strings.Contains(rule.Help.Markdown, doc.Fix[1:]) ||
			!strings.Contains(rule.Help.Markdown, doc.Checks[1:]) || rule.HelpURI != RulesHelpURI || strings.Contains(rule.FullDescription.Text, "`") {
			t.Errorf("rule %s: %+v", rule.ID, rule)
		}
	}
	if len(run.Tool.Driver.Rules) < len(action.RuleDescriptions) {
		t.Errorf("%d rules", len(run.Tool.Driver.Rules))
	}

	// The same log, and one of a clean run, judged by ajv (ajv-formats'
	// RFC 3986 uri-reference).
	clean := doValidate(t, &Options{Paths: []string{filepath.Join(base, "my actions")}, Format: "sarif", Base: root}, nil, "")
	var cleanInst any
	_ = json.Unmarshal([]byte(clean.out), &cleanInst)
	schema, _ := os.ReadFile(filepath.Join("testdata", "sarif", "sarif-schema-2.1.0.json"))
	var schemaDoc any
	_ = json.Unmarshal(schema, &schemaDoc)
	var out struct{ Errors [][]string }
	nodetest.Run(t, filepath.Join("testdata", "sarif", "judge.js"), map[string]any{"schema": schemaDoc, "logs": []any{inst, cleanInst}}, &out)
	for i, errs := range out.Errors {
		if len(errs) > 0 {
			t.Errorf("ajv: log %d does not hold to the SARIF 2.1.0 schema: %s", i, strings.Join(errs, "; "))
		}
	}
}

// The old output (raw paths) fails the strict format check: the test can
// fail.
func TestSARIFSchemaCatchesRawPaths(t *testing.T) {
	s := sarifSchema(t)
	log := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"handoff"}},"results":[{"message":{"text":"x"},
	"locations":[{"physicalLocation":{"artifactLocation":{"uri":"my actions/éscalade.yaml"}}}]}]}]}`
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(log))
	if s.Validate(inst) == nil {
		t.Error("a raw spaced path passed the uri-reference format")
	}
}

func TestGitRoot(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	_ = os.MkdirAll(sub, 0o755)
	if got := gitRoot(sub); got != sub && !strings.HasPrefix(got, string(filepath.Separator)) {
		t.Errorf("no .git: %s", got)
	}
	_ = os.Mkdir(filepath.Join(root, ".git"), 0o755)
	if got := gitRoot(sub); got != root {
		t.Errorf("gitRoot = %s, want %s", got, root)
	}
}
