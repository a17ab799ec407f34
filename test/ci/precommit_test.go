package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type hook struct {
	ID            string `yaml:"id"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	Files         string `yaml:"files"`
	Exclude       string `yaml:"exclude"`
	RequireSerial bool   `yaml:"require_serial"`
}

func loadHooks(t *testing.T) []hook {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hs []hook
	if err := yaml.Unmarshal(b, &hs); err != nil {
		t.Fatal(err)
	}
	if len(hs) == 0 {
		t.Fatal("no hooks")
	}
	return hs
}

// buildHandoff builds the binary the hooks run (language golang installs it
// from this repository; language system finds it on PATH).
func buildHandoff(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "handoff"), "./cmd/handoff")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A work tree with action files, the files beside them that are not actions,
// and YAML elsewhere.
func writeTree(t *testing.T, dir string, broken bool) []string {
	files := map[string]string{
		"actions/billing.yaml":       validAction("billing"),
		"actions/team/refunds.yml":   validAction("refunds"),
		"actions/.directory.yaml":    "teams: [Billing]\n",
		"actions/action.schema.json": "{}\n",
		"config/app.yaml":            "not: an action\n",
		"README.md":                  "# x\n",
	}
	if broken {
		files["actions/broken.yaml"] = "version: 1\nname: broken\n"
	}
	var names []string
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// selectFiles is pre-commit's choice: files matching `files` (re.search) and
// not `exclude`.
func selectFiles(t *testing.T, h hook, names []string) []string {
	inc := regexp.MustCompile(h.Files)
	exc := regexp.MustCompile("$^")
	if h.Exclude != "" {
		exc = regexp.MustCompile(h.Exclude)
	}
	var out []string
	for _, n := range names {
		if inc.MatchString(n) && !exc.MatchString(n) {
			out = append(out, n)
		}
	}
	return out
}

// Each hook, run as pre-commit runs it: the entry with the selected files as
// arguments, from the work tree's root.
func TestPreCommitHooks(t *testing.T) {
	bin := buildHandoff(t)
	for _, h := range loadHooks(t) {
		t.Run(h.ID, func(t *testing.T) {
			if h.Language != "golang" && h.Language != "system" {
				t.Fatalf("language %q", h.Language)
			}
			if !h.RequireSerial {
				t.Error("require_serial is off: pre-commit would split the files and miss duplicate names")
			}
			dir := t.TempDir()
			names := writeTree(t, dir, true)
			got := selectFiles(t, h, names)
			want := []string{"actions/billing.yaml", "actions/broken.yaml", "actions/team/refunds.yml"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("files selected %v, want %v", got, want)
			}
			argv := append(strings.Fields(h.Entry), got...)
			run := func() (string, int) {
				cmd := exec.Command(filepath.Join(bin, argv[0]), argv[1:]...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "GITHUB_ACTIONS=")
				out, err := cmd.CombinedOutput()
				if ee, ok := err.(*exec.ExitError); ok {
					return string(out), ee.ExitCode()
				}
				return string(out), 0
			}
			out, code := run()
			if code != 1 || !regexp.MustCompile(`(?m)^actions/broken.yaml:1:1: error: `).MatchString(out) {
				t.Errorf("with a broken file: exit %d\n%s", code, out)
			}
			_ = os.Remove(filepath.Join(dir, "actions", "broken.yaml"))
			argv = append(strings.Fields(h.Entry), selectFiles(t, h, names[:0:0])...)
			argv = append(argv, "actions/billing.yaml", "actions/team/refunds.yml")
			if out, code := run(); code != 0 {
				t.Errorf("valid files: exit %d\n%s", code, out)
			}
		})
	}
}

// The real pre-commit, when installed (Debian: apt-get install pre-commit),
// runs the system hook from this repository on a git work tree.
func TestPreCommitReal(t *testing.T) {
	pc, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (apt-get install pre-commit): the hooks ran without it above")
	}
	if out, err := exec.Command("git", "-C", repo, "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml").CombinedOutput(); err != nil {
		t.Skipf(".pre-commit-hooks.yaml is not tracked yet (pre-commit reads the repository's files from git): %s", out)
	}
	bin := buildHandoff(t)
	dir := t.TempDir()
	writeTree(t, dir, true)
	home := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	run := func() (string, int) {
		cmd := exec.Command(pc, "try-repo", repo, "handoff-validate-system", "--all-files")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+home, "PRE_COMMIT_HOME="+filepath.Join(home, "pc"),
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GITHUB_ACTIONS=", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		return string(out), 0
	}
	out, code := run()
	if code != 1 || !strings.Contains(out, "actions/broken.yaml:1:1: error:") || !strings.Contains(out, "Failed") {
		t.Errorf("pre-commit with a broken file: exit %d\n%s", code, out)
	}
	if strings.Contains(out, ".directory.yaml") || strings.Contains(out, "config/app.yaml") {
		t.Errorf("pre-commit passed files that are not actions:\n%s", out)
	}
	git("rm", "-q", "-f", "actions/broken.yaml")
	if out, code := run(); code != 0 || !strings.Contains(out, "Passed") {
		t.Errorf("pre-commit on valid files: exit %d\n%s", code, out)
	}
}
