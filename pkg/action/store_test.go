package action

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var billing = Action{Version: 1, Name: "escalate-billing", Intent: "The customer disputes a charge or asks for a refund",
	Account: "acme-prod", Assignee: Assignee{Type: Team, Team: "Billing"}}

func exitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return -1
}

func TestCreateAndLoad(t *testing.T) {
	st := NewStore(filepath.Join(t.TempDir(), "new", "actions")) // created on demand
	a := billing
	path, err := st.Create(&a)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(st.Dir, "escalate-billing.yaml") || st.Path("escalate-billing") != path || !st.Exists("escalate-billing") {
		t.Errorf("path %s", path)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	got, err := st.Load("escalate-billing")
	if err != nil || *got != billing {
		t.Errorf("Load: %v %+v", err, got)
	}
	// A second create never replaces the first.
	b := billing
	b.Intent = "Something else entirely, said in many words"
	_, err = st.Create(&b)
	if !errors.Is(err, ErrExists) || exitCode(err) != 2 {
		t.Errorf("second Create: %v", err)
	}
	if got, _ := st.Load("escalate-billing"); got.Intent != billing.Intent {
		t.Error("existing action replaced")
	}
}

// Racing creates of one name: exactly one wins, the file is whole.
func TestCreateRace(t *testing.T) {
	st := NewStore(t.TempDir())
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a := billing
			a.Account = "acct" + string(rune('a'+i))
			_, errs[i] = st.Create(&a)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrExists) {
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d creates succeeded", ok)
	}
	if _, err := st.Load("escalate-billing"); err != nil {
		t.Error(err)
	}
	files, _ := os.ReadDir(st.Dir)
	if len(files) != 1 {
		t.Errorf("left %d files", len(files))
	}
}

func TestCreateRefusesInvalid(t *testing.T) {
	st := NewStore(t.TempDir())
	a := billing
	a.Assignee = Assignee{Type: User, Email: "not-an-email"}
	_, err := st.Create(&a)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Rule != RuleUserEmail || exitCode(err) != 2 {
		t.Errorf("got %v", err)
	}
	if files, _ := os.ReadDir(st.Dir); len(files) != 0 {
		t.Error("a file was written")
	}
}

func TestLoadErrors(t *testing.T) {
	st := NewStore(t.TempDir())
	_, err := st.Load("missing")
	if !errors.Is(err, ErrNotFound) || exitCode(err) != 5 || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("missing: %v", err)
	}
	var ae *Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Hint(), "handoff action list") {
		t.Errorf("missing: hint %v", err)
	}
	for _, bad := range []string{"../etc/passwd", "A", "", "a/b"} {
		if _, err := st.Load(bad); exitCode(err) != 2 {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	os.WriteFile(filepath.Join(st.Dir, "broken.yaml"), []byte("version: 1\nname: broken\nintent: help\n"), 0o644)
	_, err = st.Load("broken")
	if !errors.As(err, &ae) || ae.ExitCode() != 3 || !errors.Is(err, ErrInvalid) || len(ae.Diagnostics) < 3 {
		t.Fatalf("broken: %v", err)
	}
	if !strings.Contains(err.Error(), "(and 2 more)") || !strings.Contains(ae.Hint(), "handoff validate") {
		t.Errorf("broken: %v / %s", err, ae.Hint())
	}
	os.Mkdir(filepath.Join(st.Dir, "dir.yaml"), 0o755)
	if _, err := st.Load("dir"); exitCode(err) != 3 {
		t.Errorf("folder: %v", err)
	}
}

func TestPathPrefersYAMLThenYML(t *testing.T) {
	st := NewStore(t.TempDir())
	if st.Path("x") != filepath.Join(st.Dir, "x.yaml") {
		t.Error(st.Path("x"))
	}
	os.WriteFile(filepath.Join(st.Dir, "x.yml"), []byte("x"), 0o644)
	if st.Path("x") != filepath.Join(st.Dir, "x.yml") || !st.Exists("x") {
		t.Error(st.Path("x"))
	}
	os.WriteFile(filepath.Join(st.Dir, "x.yaml"), []byte("x"), 0o644)
	if st.Path("x") != filepath.Join(st.Dir, "x.yaml") {
		t.Error(st.Path("x"))
	}
	if st.Exists("../x") {
		t.Error("Exists accepts a path")
	}
}

func TestDelete(t *testing.T) {
	st := NewStore(t.TempDir())
	a := billing
	path, _ := st.Create(&a)
	if err := st.Delete("escalate-billing"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("file still there")
	}
	if err := st.Delete("escalate-billing"); !errors.Is(err, ErrNotFound) || exitCode(err) != 5 {
		t.Errorf("second delete: %v", err)
	}
	if err := st.Delete("../../etc/hosts"); exitCode(err) != 2 {
		t.Errorf("path as name: %v", err)
	}
}

func TestList(t *testing.T) {
	st := NewStore(filepath.Join(t.TempDir(), "none"))
	if es, err := st.List(); err != nil || len(es) != 0 {
		t.Fatalf("missing folder: %v %v", es, err)
	}
	os.MkdirAll(st.Dir, 0o755)
	for _, a := range []Action{billing, {Version: 1, Name: "a-first", Intent: "The customer asks for a person", Account: "x", Assignee: Assignee{Type: Bot}}} {
		a := a
		if _, err := st.Create(&a); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(st.Dir, "broken.yml"), []byte("version: 1\nname: broken\n"), 0o644)
	os.WriteFile(filepath.Join(st.Dir, ".hidden.yaml"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(st.Dir, "notes.txt"), []byte("junk"), 0o644)
	os.MkdirAll(filepath.Join(st.Dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(st.Dir, "sub", "nested.yaml"), []byte("junk"), 0o644)
	es, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "a-first,broken,escalate-billing" {
		t.Fatalf("names %v", names)
	}
	if !es[0].Valid() || es[1].Valid() || !es[2].Valid() || es[1].Action == nil || es[1].Action.Name != "broken" {
		t.Errorf("validity %+v", es)
	}
	if *es[2].Action != billing {
		t.Errorf("entry action %+v", es[2].Action)
	}
}

func TestListDuplicateNames(t *testing.T) {
	st := NewStore(t.TempDir())
	a := billing
	st.Create(&a)
	data, _ := os.ReadFile(st.Path("escalate-billing"))
	os.WriteFile(filepath.Join(st.Dir, "escalate-billing.yml"), data, 0o644)
	es, _ := st.List()
	if len(es) != 2 || !es[0].Valid() || es[1].Valid() || rules(es[1].Diagnostics) != RuleDuplicateName {
		t.Errorf("%+v", es)
	}
}

func TestCheckFilesOrderAndReadErrors(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := 0; i < 40; i++ {
		p := filepath.Join(dir, "f"+string(rune('a'+i%26))+strings.Repeat("z", i/26)+".yaml")
		os.WriteFile(p, []byte("version: 1\nname: x\n"), 0o644)
		files = append(files, p)
	}
	files = append(files, filepath.Join(dir, "missing.yaml"))
	rs := CheckFiles(files, Options{}, 4)
	for i, r := range rs {
		if r.File != files[i] {
			t.Fatalf("result %d is %s, want %s", i, r.File, files[i])
		}
	}
	last := rs[len(rs)-1]
	if last.Doc != nil || rules(last.Diagnostics) != RuleReadError {
		t.Errorf("missing file: %+v", last)
	}
}
