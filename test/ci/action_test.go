// Package ci runs the repository's CI integrations the way their hosts do:
// the composite GitHub Action (action.yml) step by step with the runner's
// environment, and the pre-commit hooks (.pre-commit-hooks.yaml) on the files
// pre-commit would pass them.
package ci

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var repo, _ = filepath.Abs(filepath.Join("..", ".."))

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q", a.Runs.Using)
	}
	return a
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// runner plays a GitHub runner for the composite action.
type runner struct {
	t         *testing.T
	workspace string
	temp      string
	path      string // PATH, grown by $GITHUB_PATH as the runner does
	inputs    map[string]string
	outputs   map[string]map[string]string // step id -> outputs
}

func newRunner(t *testing.T, a actionFile, inputs map[string]string) *runner {
	r := &runner{t: t, workspace: t.TempDir(), temp: t.TempDir(), path: os.Getenv("PATH"),
		inputs: map[string]string{}, outputs: map[string]map[string]string{}}
	for k, v := range a.Inputs {
		r.inputs[k] = v.Default
	}
	for k, v := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
		r.inputs[k] = v
	}
	// The hosted runner's PATH holds no handoff; keep Go for the source build.
	if _, err := exec.LookPath("handoff"); err == nil {
		t.Log("a handoff is on PATH; the steps must use the one they install")
	}
	return r
}

// eval evaluates the few expressions action.yml may use.
func (r *runner) eval(s string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		e := expr.FindStringSubmatch(m)[1]
		switch {
		case strings.HasPrefix(e, "inputs."):
			v, ok := r.inputs[strings.TrimPrefix(e, "inputs.")]
			if !ok {
				r.t.Fatalf("unknown input in %q", m)
			}
			return v
		case e == "github.action_path":
			return repo
		case strings.HasPrefix(e, "steps."):
			parts := strings.Split(e, ".")
			if len(parts) == 4 && parts[2] == "outputs" {
				return r.outputs[parts[1]][parts[3]]
			}
		}
		r.t.Fatalf("expression %q is not one this test knows", m)
		return ""
	})
}

// cond evaluates a step's if: the forms action.yml uses.
func (r *runner) cond(s string, failed bool) bool {
	if s == "" {
		return !failed
	}
	ok := true
	for _, part := range strings.Split(s, "&&") {
		part = strings.TrimSpace(part)
		switch {
		case part == "always()":
		case strings.Contains(part, "=="):
			l, rr, _ := strings.Cut(part, "==")
			ok = ok && r.value(l) == r.value(rr)
		case strings.Contains(part, "!="):
			l, rr, _ := strings.Cut(part, "!=")
			ok = ok && r.value(l) != r.value(rr)
		default:
			r.t.Fatalf("if: %q is not a form this test knows", s)
		}
	}
	if !strings.Contains(s, "always()") && failed {
		return false
	}
	return ok
}

func (r *runner) value(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "'") {
		return strings.Trim(s, "'")
	}
	return r.eval("${{ " + s + " }}")
}

type stepResult struct {
	name, output string
	code         int
	ran          bool
	uses         string
	with         map[string]string
}

// run runs every step as GitHub does (bash --noprofile --norc -eo pipefail),
// stopping the run steps after a failure unless their if says always().
func (r *runner) run(a actionFile) []stepResult {
	var res []stepResult
	failed := false
	for _, st := range a.Runs.Steps {
		sr := stepResult{name: st.Name, uses: st.Uses}
		if !r.cond(st.If, failed) {
			res = append(res, sr)
			continue
		}
		sr.ran = true
		if st.Uses != "" {
			sr.with = map[string]string{}
			for k, v := range st.With {
				sr.with[k] = r.eval(v)
			}
			res = append(res, sr)
			continue
		}
		if expr.MatchString(st.Run) {
			r.t.Fatalf("step %q: an expression inside run; pass it through env so that it is quoted", st.Name)
		}
		if st.Shell != "bash" {
			r.t.Fatalf("step %q: shell %q (bash runs on every runner OS)", st.Name, st.Shell)
		}
		script := filepath.Join(r.temp, "step.sh")
		_ = os.WriteFile(script, []byte(st.Run), 0o644)
		ghPath := filepath.Join(r.temp, "github_path")
		ghOut := filepath.Join(r.temp, "github_output")
		_ = os.WriteFile(ghPath, nil, 0o644)
		_ = os.WriteFile(ghOut, nil, 0o644)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = r.workspace
		cmd.Env = append(os.Environ(), "PATH="+r.path, "GITHUB_ACTIONS=true", "CI=true",
			"GITHUB_WORKSPACE="+r.workspace, "GITHUB_PATH="+ghPath, "GITHUB_OUTPUT="+ghOut,
			"RUNNER_TEMP="+r.temp, "RUNNER_OS=Linux", "RUNNER_ARCH="+map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH])
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+r.eval(v))
		}
		out, err := cmd.CombinedOutput()
		sr.output = string(out)
		if err != nil {
			sr.code = 1
			if ee, ok := err.(*exec.ExitError); ok {
				sr.code = ee.ExitCode()
			}
			failed = true
		}
		if b, _ := os.ReadFile(ghPath); len(b) > 0 {
			for _, p := range strings.Fields(string(b)) {
				r.path = p + string(os.PathListSeparator) + r.path
			}
		}
		if b, _ := os.ReadFile(ghOut); len(b) > 0 && st.ID != "" {
			r.outputs[st.ID] = map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				k, v, _ := strings.Cut(l, "=")
				r.outputs[st.ID][k] = v
			}
		}
		res = append(res, sr)
	}
	return res
}

// workspace files: one valid action, and optionally one with an error.
func (r *runner) writeActions(withError bool) {
	dir := filepath.Join(r.workspace, "actions")
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, "billing.yaml"), []byte(validAction("billing")), 0o644)
	_ = os.WriteFile(filepath.Join(dir, ".directory.yaml"), []byte("teams: [Billing]\n"), 0o644)
	if withError {
		_ = os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("version: 1\nname: broken\nintent: x\naccount: acme\nassignee:\n  type: team\n"), 0o644)
	}
}

func validAction(name string) string {
	return "# yaml-language-server: $schema=action.schema.json\nversion: 1\nname: " + name +
		"\nintent: The customer disputes a charge or asks for a refund.\naccount: acme\nassignee:\n  type: team\n  team: Billing\n"
}

func step(t *testing.T, res []stepResult, name string) stepResult {
	for _, s := range res {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return stepResult{}
}

// The action as most workflows use it: built from its own source, checking
// actions/, annotations on the run, and the SARIF step skipped.
func TestActionFromSource(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	a := loadAction(t)
	r := newRunner(t, a, nil)
	r.writeActions(true)
	res := r.run(a)
	inst := step(t, res, "Install handoff")
	if inst.code != 0 || !strings.Contains(inst.output, "handoff ") {
		t.Fatalf("install: %d\n%s", inst.code, inst.output)
	}
	v := step(t, res, "Check the action files")
	if v.code != 1 {
		t.Errorf("validate exit %d, want 1 (one broken file)\n%s", v.code, v.output)
	}
	// GitHub workflow commands, one per finding, on the file and line.
	if !regexp.MustCompile(`(?m)^::error file=actions/broken.yaml,line=\d+,col=\d+`).MatchString(v.output) {
		t.Errorf("no error annotation on actions/broken.yaml:\n%s", v.output)
	}
	if strings.Contains(v.output, ".directory.yaml") {
		t.Errorf(".directory.yaml was checked as an action:\n%s", v.output)
	}
	if up := step(t, res, "Upload to code scanning"); up.ran {
		t.Error("SARIF upload ran though sarif is false")
	}

	// Fixed, the same workspace passes.
	_ = os.Remove(filepath.Join(r.workspace, "actions", "broken.yaml"))
	res = r.run(a)
	if v := step(t, res, "Check the action files"); v.code != 0 {
		t.Errorf("valid folder: exit %d\n%s", v.code, v.output)
	}
}

// sarif: true writes the SARIF file even when the check fails, and hands it
// to the upload step, which runs after the failure (if: always()).
func TestActionSARIF(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	a := loadAction(t)
	r := newRunner(t, a, map[string]string{"sarif": "true", "strict": "true"})
	r.writeActions(true)
	res := r.run(a)
	if v := step(t, res, "Check the action files"); v.code != 1 {
		t.Fatalf("validate exit %d\n%s", v.code, v.output)
	}
	up := step(t, res, "Upload to code scanning")
	if !up.ran || up.uses != "github/codeql-action/upload-sarif@v3" || up.with["sarif_file"] != "handoff.sarif" {
		t.Fatalf("upload step: %+v", up)
	}
	b, err := os.ReadFile(filepath.Join(r.workspace, "handoff.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
		t.Fatalf("not SARIF 2.1.0: %v\n%s", err, b)
	}
	found := false
	for _, res := range sarif.Runs[0].Results {
		for _, l := range res.Locations {
			if strings.HasSuffix(l.PhysicalLocation.ArtifactLocation.URI, "broken.yaml") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no result on broken.yaml:\n%s", b)
	}
}

// Without Go and without a version, the install step says what to do.
func TestActionNeedsGoOrVersion(t *testing.T) {
	a := loadAction(t)
	r := newRunner(t, a, nil)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	empty := t.TempDir()
	for _, tool := range []string{"mkdir", "dirname"} {
		if p, err := exec.LookPath(tool); err == nil {
			_ = os.Symlink(p, filepath.Join(empty, tool))
		}
	}
	_ = os.Symlink(bash, filepath.Join(empty, "bash"))
	r.path = empty
	res := r.run(a)
	inst := step(t, res, "Install handoff")
	if inst.code == 0 || !strings.Contains(inst.output, "::error title=handoff::building handoff from source needs Go") {
		t.Errorf("install without Go: %d\n%s", inst.code, inst.output)
	}
	if v := step(t, res, "Check the action files"); v.ran {
		t.Error("validate ran after a failed install")
	}
}

// With a version, the step downloads that release's archive, checks it
// against checksums.txt and installs it. Served here from a snapshot's dist/
// (HANDOFF_DIST, as make release-check sets it) on loopback.
func TestActionFromRelease(t *testing.T) {
	d := os.Getenv("HANDOFF_DIST")
	if d == "" {
		t.Skip("no snapshot to serve: run make release-check (or set HANDOFF_DIST to a goreleaser dist/ folder)")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	var m struct {
		Version string `json:"version"`
	}
	b, _ := os.ReadFile(filepath.Join(d, "metadata.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/v"+m.Version, http.FileServer(http.Dir(d))))
	defer srv.Close()

	a := loadAction(t)
	r := newRunner(t, a, map[string]string{"version": m.Version, "release-url": srv.URL})
	r.writeActions(false)
	r.path = withoutGo(t)
	res := r.run(a)
	inst := step(t, res, "Install handoff")
	if inst.code != 0 || !strings.Contains(inst.output, "handoff "+m.Version) {
		t.Fatalf("install from release: %d\n%s", inst.code, inst.output)
	}
	if v := step(t, res, "Check the action files"); v.code != 0 {
		t.Errorf("validate: %d\n%s", v.code, v.output)
	}

	// A tampered archive is refused.
	bad := t.TempDir()
	entries, _ := os.ReadDir(d)
	for _, e := range entries {
		if e.Type().IsRegular() {
			data, _ := os.ReadFile(filepath.Join(d, e.Name()))
			if strings.HasSuffix(e.Name(), "_linux_"+runtime.GOARCH+".tar.gz") {
				data = append(data, 0)
			}
			_ = os.WriteFile(filepath.Join(bad, e.Name()), data, 0o644)
		}
	}
	srv2 := httptest.NewServer(http.StripPrefix("/v"+m.Version, http.FileServer(http.Dir(bad))))
	defer srv2.Close()
	r = newRunner(t, a, map[string]string{"version": m.Version, "release-url": srv2.URL})
	r.writeActions(false)
	r.path = withoutGo(t)
	res = r.run(a)
	inst = step(t, res, "Install handoff")
	if inst.code == 0 || !strings.Contains(inst.output, "does not match its checksum") {
		t.Errorf("tampered archive: %d\n%s", inst.code, inst.output)
	}
}

// withoutGo is PATH without the Go toolchain, as on a runner with no setup-go.
func withoutGo(t *testing.T) string {
	var keep []string
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(p, "go")); err == nil {
			continue
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}
