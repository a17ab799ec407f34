// Package release checks what GoReleaser makes of handoff: the config is
// valid, and a snapshot's archives and packages hold the binary, the man
// pages, the shell completions and the licence where users look for them.
//
// goreleaser check runs whenever goreleaser is installed (bin/goreleaser, or
// HANDOFF_GORELEASER, or on PATH). The contents are checked on a snapshot made
// beforehand, named by HANDOFF_DIST: make release-check does both.
package release

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

var repo = filepath.Join("..", "..")

// goreleaser finds the goreleaser binary, or skips the test saying how to get it.
func goreleaser(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HANDOFF_GORELEASER"), filepath.Join(repo, "bin", "goreleaser-v2.15.1", "goreleaser")} {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return abs
			}
		}
	}
	if p, err := exec.LookPath("goreleaser"); err == nil {
		return p
	}
	t.Skip("goreleaser is not installed: run make release-check (builds goreleaser v2.15.1 from the Go module proxy), or set HANDOFF_GORELEASER")
	return ""
}

func TestGoreleaserCheck(t *testing.T) {
	g := goreleaser(t)
	cmd := exec.Command(g, "check")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "1 configuration file(s) validated") {
		t.Errorf("goreleaser check said:\n%s", out)
	}
}

// dist is the snapshot to check, or the test is skipped.
func dist(t *testing.T) string {
	t.Helper()
	d := os.Getenv("HANDOFF_DIST")
	if d == "" {
		t.Skip("no snapshot to check: run make release-check (or set HANDOFF_DIST to a goreleaser dist/ folder)")
	}
	if _, err := os.Stat(filepath.Join(d, "metadata.json")); err != nil {
		t.Fatalf("HANDOFF_DIST=%s is not a goreleaser dist folder: %v", d, err)
	}
	return d
}

type metadata struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

func readMetadata(t *testing.T, d string) metadata {
	var m metadata
	b, _ := os.ReadFile(filepath.Join(d, "metadata.json"))
	if err := json.Unmarshal(b, &m); err != nil || m.Version == "" {
		t.Fatalf("metadata.json: %v %s", err, b)
	}
	return m
}

// manPages are the pages make docs commits, one per command.
func manPages(t *testing.T) []string {
	pages, _ := filepath.Glob(filepath.Join(repo, "docs", "man", "*.1"))
	if len(pages) < 20 {
		t.Fatalf("only %d pages in docs/man", len(pages))
	}
	var out []string
	for _, p := range pages {
		out = append(out, filepath.Base(p))
	}
	return out
}

var completions = []string{"handoff.bash", "_handoff", "handoff.fish", "handoff.ps1"}

func TestArchives(t *testing.T) {
	d := dist(t)
	m := readMetadata(t, d)
	license, _ := os.ReadFile(filepath.Join(repo, "LICENSE"))
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, arch := range []string{"amd64", "arm64"} {
			name := "handoff_" + m.Version + "_" + goos + "_" + arch
			var files map[string]entry
			var err error
			bin := "handoff"
			if goos == "windows" {
				bin = "handoff.exe"
				files, err = listZip(filepath.Join(d, name+".zip"))
			} else {
				var f *os.File
				if f, err = os.Open(filepath.Join(d, name+".tar.gz")); err == nil {
					files, err = listTarGz(f)
					f.Close()
				}
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			t.Logf("%s: %d files", name, len(files))
			want := []string{bin, "LICENSE", "README.md"}
			for _, p := range manPages(t) {
				want = append(want, "man/man1/"+p+".gz")
			}
			for _, c := range completions {
				want = append(want, "completions/"+c)
			}
			for _, w := range want {
				if _, ok := files[w]; !ok {
					t.Errorf("%s lacks %s", name, w)
				}
			}
			if len(files) != len(want) {
				t.Errorf("%s holds %d files, want %d: %v", name, len(files), len(want), keys(files))
			}
			if goos != "windows" {
				if files[bin].Mode&0o111 == 0 {
					t.Errorf("%s: %s is not executable (%v)", name, bin, files[bin].Mode)
				}
				if !bytes.Equal(files["LICENSE"].Data, license) {
					t.Errorf("%s: LICENSE differs from the repository's", name)
				}
				checkManPage(t, name, files["man/man1/handoff.1.gz"].Data)
			}
		}
	}
}

// checkManPage: a gzipped roff page with the title man shows.
func checkManPage(t *testing.T, where string, gz []byte) {
	t.Helper()
	z, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Errorf("%s: handoff.1.gz: %v", where, err)
		return
	}
	page, _ := io.ReadAll(z)
	want, _ := os.ReadFile(filepath.Join(repo, "docs", "man", "handoff.1"))
	if !bytes.Equal(page, want) {
		t.Errorf("%s: handoff.1.gz is not docs/man/handoff.1", where)
	}
}

// Where Debian and Fedora look for each kind of file.
func packageFiles(t *testing.T, format string) map[string]os.FileMode {
	want := map[string]os.FileMode{
		"usr/bin/handoff": 0o755,
		"usr/share/bash-completion/completions/handoff":    0o644,
		"usr/share/fish/vendor_completions.d/handoff.fish": 0o644,
	}
	for _, p := range manPages(t) {
		want["usr/share/man/man1/"+p+".gz"] = 0o644
	}
	if format == "deb" {
		want["usr/share/zsh/vendor-completions/_handoff"] = 0o644
		want["usr/share/doc/handoff/copyright"] = 0o644
	} else {
		want["usr/share/zsh/site-functions/_handoff"] = 0o644
		want["usr/share/licenses/handoff/LICENSE"] = 0o644
	}
	return want
}

func TestPackages(t *testing.T) {
	d := dist(t)
	m := readMetadata(t, d)
	debVersion := strings.Replace(m.Version, "-", "~", 1)
	for _, p := range []struct{ format, file string }{
		{"deb", "handoff_" + debVersion + "_amd64.deb"},
		{"deb", "handoff_" + debVersion + "_arm64.deb"},
		{"rpm", "handoff-" + debVersion + "-1.x86_64.rpm"},
		{"rpm", "handoff-" + debVersion + "-1.aarch64.rpm"},
	} {
		var files map[string]entry
		var err error
		if p.format == "deb" {
			files, err = listDeb(filepath.Join(d, p.file))
		} else {
			files, err = listRPM(filepath.Join(d, p.file))
		}
		if err != nil {
			t.Errorf("%s: %v", p.file, err)
			continue
		}
		t.Logf("%s: %d files", p.file, len(files))
		want := packageFiles(t, p.format)
		for path, mode := range want {
			e, ok := files[path]
			switch {
			case !ok:
				t.Errorf("%s lacks /%s", p.file, path)
			case e.Mode != mode:
				t.Errorf("%s: /%s has mode %v, want %v", p.file, path, e.Mode, mode)
			}
		}
		for path := range files {
			if _, ok := want[path]; !ok {
				t.Errorf("%s: unexpected /%s", p.file, path)
			}
		}
		checkManPage(t, p.file, files["usr/share/man/man1/handoff.1.gz"].Data)
		if !strings.Contains(string(files["usr/share/bash-completion/completions/handoff"].Data), "__start_handoff") {
			t.Errorf("%s: the bash completion is not handoff's", p.file)
		}
	}
}

// checksums.txt names every archive and package with its SHA-256.
func TestChecksums(t *testing.T) {
	d := dist(t)
	b, err := os.ReadFile(filepath.Join(d, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		data, err := os.ReadFile(filepath.Join(d, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		h := sha256.Sum256(data)
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s: checksum differs", name)
		}
		listed[name] = true
	}
	for _, pat := range []string{"*.tar.gz", "*.zip", "*.deb", "*.rpm", "*.cdx.json"} {
		files, _ := filepath.Glob(filepath.Join(d, pat))
		for _, f := range files {
			if !listed[filepath.Base(f)] {
				t.Errorf("%s is not in checksums.txt", filepath.Base(f))
			}
		}
	}
	if len(listed) != 16 {
		t.Errorf("checksums.txt lists %d files, want 6 archives, 4 packages and 6 SBOMs", len(listed))
	}
}

// Each binary has a CycloneDX SBOM that names its Go modules and versions.
func TestSBOMs(t *testing.T) {
	d := dist(t)
	m := readMetadata(t, d)
	gomod, _ := os.ReadFile(filepath.Join(repo, "go.mod"))
	cobra := regexp.MustCompile(`github.com/spf13/cobra (v\S+)`).FindStringSubmatch(string(gomod))
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, arch := range []string{"amd64", "arm64"} {
			name := "handoff_" + m.Version + "_" + goos + "_" + arch + ".cdx.json"
			b, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				t.Errorf("no SBOM %s: %v", name, err)
				continue
			}
			var bom struct {
				BomFormat   string `json:"bomFormat"`
				SpecVersion string `json:"specVersion"`
				Metadata    struct {
					Component struct {
						Name string `json:"name"`
					} `json:"component"`
				} `json:"metadata"`
				Components []struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				} `json:"components"`
			}
			if err := json.Unmarshal(b, &bom); err != nil || bom.BomFormat != "CycloneDX" || bom.SpecVersion == "" {
				t.Errorf("%s: not CycloneDX JSON: %v", name, err)
				continue
			}
			if !strings.Contains(bom.Metadata.Component.Name, "handoff") {
				t.Errorf("%s: describes %q", name, bom.Metadata.Component.Name)
			}
			found := false
			for _, c := range bom.Components {
				if c.Name == "github.com/spf13/cobra" && c.Version == cobra[1] {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no github.com/spf13/cobra %s among %d components", name, cobra[1], len(bom.Components))
			}
		}
	}
}

// The version, commit and date GoReleaser stamps reach handoff --version.
func TestVersionStamped(t *testing.T) {
	d := dist(t)
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("runs the linux binary")
	}
	m := readMetadata(t, d)
	f, err := os.Open(filepath.Join(d, "handoff_"+m.Version+"_linux_"+runtime.GOARCH+".tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bin := extract(t, f, "handoff")
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := strings.TrimSpace(string(out))
	short := m.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	for _, want := range []string{"handoff " + m.Version, "commit " + short, "built " + m.Date[:10]} {
		if !strings.Contains(got, want) {
			t.Errorf("handoff --version = %q, want %q in it", got, want)
		}
	}
	if strings.Contains(got, "dev") || strings.Contains(got, "unknown") {
		t.Errorf("handoff --version = %q: not stamped", got)
	}
}

// The .deb installs with dpkg (into a private root, so that the machine's
// own package database is left alone) and man finds the page.
func TestDebInstalls(t *testing.T) {
	d := dist(t)
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg is not installed: cannot check that the .deb installs")
	}
	m := readMetadata(t, d)
	deb := filepath.Join(d, "handoff_"+strings.Replace(m.Version, "-", "~", 1)+"_"+runtime.GOARCH+".deb")
	root := t.TempDir()
	for _, sub := range []string{"info", "updates", "triggers"} {
		_ = os.MkdirAll(filepath.Join(root, "var", "lib", "dpkg", sub), 0o755)
	}
	_ = os.WriteFile(filepath.Join(root, "var", "lib", "dpkg", "status"), nil, 0o644)
	args := []string{"--root=" + root, "--log=/dev/null", "--force-script-chrootless", "--force-not-root", "-i", deb}
	if out, err := exec.Command(dpkg, args...).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i: %v\n%s", err, out)
	}
	if out, err := exec.Command(filepath.Join(root, "usr", "bin", "handoff"), "--version").CombinedOutput(); err != nil ||
		!strings.Contains(string(out), m.Version) {
		t.Errorf("installed handoff --version: %v %s", err, out)
	}
	man, err := exec.LookPath("man")
	if err != nil {
		t.Skip("man is not installed (apt-get install man-db): the .deb installed; the page was not read")
	}
	cmd := exec.Command(man, "-M", filepath.Join(root, "usr", "share", "man"), "handoff-validate")
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "HANDOFF-VALIDATE(1)") || !strings.Contains(string(out), "--format") {
		t.Errorf("man handoff-validate: %v\n%s", err, out)
	}
}

func extract(t *testing.T, r io.Reader, name string) string {
	t.Helper()
	z, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tarReader(z)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the archive: %v", name, err)
		}
		if h.Name == name {
			p := filepath.Join(t.TempDir(), name)
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
			return p
		}
	}
}

func keys(m map[string]entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
