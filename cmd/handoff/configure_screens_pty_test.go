package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/handoff-dev/handoff/pkg/action"
)

// What a person sees, key by key, at three terminal sizes: what they type
// is on screen while its check is shown, every option of a short list is in
// view, a long list shows the right window and says what is above and
// below it. The screens of docs/configure.md are these runs' screens at
// 80x24: the tests fail when the documentation differs, and
//
//	go test ./cmd/handoff -run ConfigurePTY -update-docs
//
// rewrites them.

var cfgUpdateDocs = flag.Bool("update-docs", false, "rewrite the screens in docs/configure.md from the pty runs")

var cfgSizes = []struct{ cols, rows int }{{80, 24}, {80, 34}, {100, 30}}

const cfgDocCols, cfgDocRows = 80, 24

const (
	cfgUp        = "\x1b[A"
	cfgBackspace = "\x7f"
)

// eachSize runs fn in a subtest per terminal size.
func eachSize(t *testing.T, fn func(t *testing.T, cols, rows int)) {
	for _, sz := range cfgSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.cols, sz.rows), func(t *testing.T) { fn(t, sz.cols, sz.rows) })
	}
}

// inputLine is the input line showing typed, and the status line under it.
func inputLine(typed string) string {
	return `(?m)^┃ > ` + regexp.QuoteMeta(typed) + ` *\n┃ [✓✗] `
}

// typeChecked types s one key at a time (after typed, already there); after
// each key the input line shows everything typed so far, with the check on
// the line right under it.
func (tm *cfgTerm) typeChecked(typed, s string) {
	tm.t.Helper()
	for _, r := range s {
		typed += string(r)
		tm.typeKeys(string(r))
		tm.waitFor(inputLine(typed))
	}
}

// eraseChecked presses Backspace len(typed) times; the line shrinks each time.
func (tm *cfgTerm) eraseChecked(typed string) {
	tm.t.Helper()
	for len(typed) > 0 {
		typed = typed[:len(typed)-1]
		tm.typeKeys(cfgBackspace)
		if typed == "" {
			tm.waitFor(`(?m)^┃ > *(e\.g\. .*)?$`)
		} else {
			tm.waitFor(inputLine(typed))
		}
	}
}

// words matches text as the terminal may wrap it: any run of spaces may
// be a line break, and a line may break inside a word at the last column.
func words(text string) string {
	var parts []string
	for _, w := range strings.Fields(text) {
		parts = append(parts, regexp.QuoteMeta(w))
	}
	return strings.Join(parts, `\s+`)
}

// visible fails unless every string is on the screen at once.
func (tm *cfgTerm) visible(what ...string) string {
	tm.t.Helper()
	parts := make([]string, len(what))
	for i, w := range what {
		parts[i] = regexp.QuoteMeta(w)
	}
	// Any order: one lookahead per string is not RE2; poll instead.
	deadline := time.Now().Add(cfgTimeout)
	for {
		s := tm.screen()
		missing := ""
		for _, w := range what {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("%q is not on the screen:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fits fails when the frame is cut at the top: the screen must still show
// the line the frame is about (its header), and the keys line.
func fits(t *testing.T, s string, rows int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) > rows {
		t.Fatalf("%d lines on a %d-row screen", len(lines), rows)
	}
	if !strings.Contains(s, "esc cancel") && !strings.Contains(s, "esc clear filter") {
		t.Errorf("the keys line is not on the screen:\n%s", s)
	}
}

// settled is the screen once it has stopped changing for 150 ms (a frame
// is never taken half drawn), normalised for the documentation.
func (tm *cfgTerm) settled() string {
	last, since := docScreen(tm.screen()), time.Now()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(30 * time.Millisecond)
		s := docScreen(tm.screen())
		if s != last {
			last, since = s, time.Now()
		} else if time.Since(since) >= 150*time.Millisecond {
			break
		}
	}
	return last
}

// docScreen is a screen as the documentation shows it: the sandbox's port
// reads 8089, a spinner's frame ⠋.
func docScreen(s string) string {
	s = cfgPortRe.ReplaceAllString(s, "127.0.0.1:8089")
	s = cfgSpinnerRe.ReplaceAllString(s, "⠋")
	return strings.TrimRight(s, "\n ") + "\n"
}

var (
	cfgPortRe    = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	cfgSpinnerRe = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)
	cfgDocMu     sync.Mutex
)

// cfgDoc compares the screen with the one named name in docs/configure.md
// (or rewrites it there with -update-docs). Only runs at the documented
// size count; the sandbox's port reads 8089, a spinner's frame ⠋.
func cfgDoc(t *testing.T, cols, rows int, name string, tm *cfgTerm) {
	t.Helper()
	if cols != cfgDocCols || rows != cfgDocRows {
		return
	}
	cfgDocScreen(t, name, tm.settled())
}

// cfgDocScreen compares (or rewrites) one documented screen.
func cfgDocScreen(t *testing.T, name, screen string) {
	t.Helper()
	cfgDocMu.Lock()
	defer cfgDocMu.Unlock()
	path := filepath.Join("..", "..", "docs", "configure.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	marker := "<!-- screen " + name + " -->\n```\n"
	i := bytes.Index(doc, []byte(marker))
	if i < 0 {
		t.Fatalf("docs/configure.md has no %q block; add the marker, then run go test ./cmd/handoff -run ConfigurePTY -update-docs", name)
	}
	start := i + len(marker)
	end := bytes.Index(doc[start:], []byte("```\n"))
	if end < 0 {
		t.Fatalf("docs/configure.md: the %s block is not closed", name)
	}
	end += start
	if string(doc[start:end]) == screen {
		return
	}
	if !*cfgUpdateDocs {
		t.Errorf("docs/configure.md, screen %s, differs from the program (go test ./cmd/handoff -run ConfigurePTY -update-docs rewrites it):\n--- docs\n%s--- screen\n%s",
			name, doc[start:end], screen)
		return
	}
	out := append(append(append([]byte{}, doc[:start]...), screen...), doc[end:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigurePTYScreensNewTeamAction(t *testing.T) {
	eachSize(t, func(t *testing.T, cols, rows int) {
		w := newCfgWorld(t)
		tm := w.startSized(t, cols, rows, nil, "configure")

		// Enter on the empty name: what a valid one looks like; the
		// placeholder is there, as an example.
		tm.waitFor(`Action name`)
		tm.typeKeys(cfgEnter)
		s := tm.visible("> e.g. escalate-billing", "✗ nothing typed yet: enter a lower-case name such as escalate-billing")
		cfgDoc(t, cols, rows, "name-empty", tm)

		tm.typeChecked("", "Escalate")
		s = tm.waitFor(inputLine("Escalate") + `name "Escalate" has upper-case letters: use "escalate"`)
		fits(t, s, rows)
		cfgDoc(t, cols, rows, "name-invalid", tm)
		tm.eraseChecked("Escalate")
		tm.typeChecked("", "escalate-billing")
		s = tm.waitFor(inputLine("escalate-billing") + `looks good`)
		cfgDoc(t, cols, rows, "name-ok", tm)
		tm.typeKeys(cfgEnter)

		tm.waitFor(`Intent: when should the AI agent hand over\?`)
		tm.typeKeys("The customer disputes a charge, asks for a refund, or asks for a person about an invoice.")
		s = tm.waitFor(`(?s)asks for a person.*about.*an invoice\.\n(┃ *\n)*┃ ✓ looks good`)
		fits(t, s, rows)
		cfgDoc(t, cols, rows, "intent", tm)
		tm.typeKeys(cfgEnter)

		s = tm.visible("Step 2 of 3, Wati account · new action escalate-billing", "> acme  http://127.0.0.1:", "  Connect a new account…")
		cfgDoc(t, cols, rows, "account", tm)
		tm.typeKeys(cfgEnter)

		s = tm.visible("Step 3 of 3, assignee", "> Team: a Wati team takes the conversation", "  User: one operator, by email",
			"  Bot: a Wati chatbot, or the workspace's bot")
		cfgDoc(t, cols, rows, "type", tm)
		tm.typeKeys(cfgDown)
		tm.visible("  Team: a Wati team takes the conversation", "> User: one operator, by email") // the one above stays
		tm.typeKeys(cfgUp)
		tm.visible("> Team: a Wati team takes the conversation")
		tm.typeKeys(cfgEnter)

		// Every team, and Type it yourself, at every size.
		s = tm.visible("┃ Team", "> Billing", "  Returns", "  Sales", "  Support", "  Type it yourself…")
		fits(t, s, rows)
		cfgDoc(t, cols, rows, "team", tm)
		tm.typeKeys(cfgDown)
		tm.visible("  Billing", "> Returns", "  Sales", "  Support", "  Type it yourself…")

		// / filters; Esc clears the filter and the list is back, cursor kept.
		tm.typeKeys("/", "S", "u", "p")
		s = tm.visible("/ Sup", "> Support", "esc clear filter")
		if strings.Contains(s, "Billing") {
			t.Errorf("the filter shows Billing:\n%s", s)
		}
		cfgDoc(t, cols, rows, "team-filter", tm)
		tm.typeKeys(cfgEsc)
		tm.visible("  Billing", "  Returns", "  Sales", "> Support", "  Type it yourself…", "/ filter")
		tm.typeKeys(cfgEnter)

		s = tm.visible("3. assignee  the Support team", "Wati replaces the contact's teams with Support", "keep_teams: true",
			"Save this action?", "> Save to actions/escalate-billing.yaml", "  Cancel: save nothing")
		fits(t, s, rows)
		cfgDoc(t, cols, rows, "summary", tm)
		tm.typeKeys(cfgEnter)
		if code := tm.wait(); code != 0 {
			t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
		}
		tm.waitFor(`Saved .*escalate-billing\.yaml`)
		a, err := action.NewStore(w.actions).Load("escalate-billing")
		if err != nil {
			t.Fatal(err)
		}
		if a.Assignee != (action.Assignee{Type: action.Team, Team: "Support"}) || a.Account != "acme" {
			t.Fatalf("saved %+v", a)
		}
	})
}

// declareTeams writes the actions folder's .directory.yaml with n more teams.
func (w *cfgWorld) declareTeams(t *testing.T, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("teams:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - Team %02d\n", i)
	}
	if err := os.MkdirAll(w.actions, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.actions, ".directory.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (w *cfgWorld) writeAction(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.MkdirAll(w.actions, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(w.actions, name+".yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var cfgMoreRe = regexp.MustCompile(`(?m)^┃   ([↑↓]) ([0-9]+) more (above|below)$`)
var cfgRowRe = regexp.MustCompile(`(?m)^┃ (?:> |  )(Billing|Returns|Sales|Support|Team [0-9]+|Type it yourself…)$`)

// window reads a list off the screen: the rows in view and the counts above
// and below.
func window(s string) (rows []string, above, below int) {
	for _, m := range cfgRowRe.FindAllStringSubmatch(s, -1) {
		rows = append(rows, m[1])
	}
	for _, m := range cfgMoreRe.FindAllStringSubmatch(s, -1) {
		var n int
		fmt.Sscan(m[2], &n)
		if m[3] == "above" {
			above = n
		} else {
			below = n
		}
	}
	return rows, above, below
}

// A list longer than the terminal: the window around the current team,
// with what is above and below it counted; Down scrolls only when it must.
func TestConfigurePTYScreensLongTeamList(t *testing.T) {
	eachSize(t, func(t *testing.T, cols, rows int) {
		w := newCfgWorld(t)
		w.declareTeams(t, 30) // with the sandbox's four and Type it yourself: 35
		const total = 35
		file := strings.Replace(commentedAction, "team: Billing", "team: Team 20", 1)
		path := w.writeAction(t, "escalate-billing", file)
		tm := w.startSized(t, cols, rows, nil, "configure", "assignee", "escalate-billing")
		tm.visible("Step 3 of 3, assignee · editing escalate-billing (actions/escalate-billing.yaml)", "> Team: a Wati team")
		tm.typeKeys(cfgEnter)

		s := tm.visible("> Team 20", "  Team 19", "more above")
		fits(t, s, rows)
		if !strings.Contains(s, "editing escalate-billing") {
			t.Errorf("the screen does not say which action is edited:\n%s", s)
		}
		in, above, below := window(s)
		if above+len(in)+below != total || len(in) < 5 {
			t.Fatalf("window %v, %d above, %d below: want %d in all:\n%s", in, above, below, total, s)
		}
		cfgDoc(t, cols, rows, "team-long", tm)

		// Down: the item above the cursor stays in view; the window moves
		// only when the cursor would leave it.
		for i := 21; i <= 30; i++ {
			prev := in
			tm.typeKeys(cfgDown)
			s = tm.visible(fmt.Sprintf("> Team %d", i), fmt.Sprintf("  Team %d", i-1))
			in, _, _ = window(s)
			wasIn := false
			for _, r := range prev[:len(prev)-1] {
				wasIn = wasIn || r == fmt.Sprintf("Team %d", i)
			}
			if wasIn && in[0] != prev[0] {
				t.Fatalf("scrolled although Team %d was in view: %v then %v", i, prev, in)
			}
		}
		// Up to the top: no more above.
		tm.typeKeys("g")
		s = tm.visible("> Billing")
		if _, above, _ := window(s); above != 0 {
			t.Errorf("at the top, %d said above:\n%s", above, s)
		}
		// Up from the top: the last, with the rest above.
		tm.typeKeys(cfgUp)
		s = tm.visible("> Type it yourself…", "more above")
		if _, _, below := window(s); below != 0 {
			t.Errorf("at the bottom, %d said below:\n%s", below, s)
		}
		tm.typeKeys(cfgEsc)
		if code := tm.wait(); code != 130 {
			t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
		}
		if got, _ := os.ReadFile(path); string(got) != file {
			t.Errorf("cancelled edit changed the file:\n%s", got)
		}
	})
}

// Editing the assignee of a team action: the list shows every team, the
// current one selected, and the screen names the action.
func TestConfigurePTYScreensEditTeam(t *testing.T) {
	eachSize(t, func(t *testing.T, cols, rows int) {
		w := newCfgWorld(t)
		path := w.writeAction(t, "escalate-billing", commentedAction)
		tm := w.startSized(t, cols, rows, nil, "configure", "assignee", "escalate-billing")
		tm.visible("Step 3 of 3, assignee · editing escalate-billing (actions/escalate-billing.yaml)", "> Team: a Wati team")
		tm.typeKeys(cfgEnter)
		tm.visible("┃ Team", "> Billing", "  Returns", "  Sales", "  Support", "  Type it yourself…", "editing escalate-billing")
		cfgDoc(t, cols, rows, "team-edit", tm)
		tm.typeKeys(cfgDown, cfgDown)
		tm.visible("  Billing", "  Returns", "> Sales")
		tm.typeKeys(cfgEnter)
		tm.visible("Summary of escalate-billing (actions/escalate-billing.yaml)", "3. assignee  the Sales team", "> Save to")
		tm.typeKeys(cfgEnter)
		if code := tm.wait(); code != 0 {
			t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
		}
		got, _ := os.ReadFile(path)
		if want := strings.Replace(commentedAction, "team: Billing", "team: Sales", 1); string(got) != want {
			t.Errorf("file:\n%s\nwant:\n%s", got, want)
		}
	})
}

// The typed fields of the inline "Connect a new account…" and of a typed
// assignee: what is typed stays on screen with its check. Ctrl-C after the
// account was connected puts config.yaml and credentials.yaml back.
func TestConfigurePTYScreensTypedFields(t *testing.T) {
	eachSize(t, func(t *testing.T, cols, rows int) {
		w := newCfgWorld(t)
		home := filepath.Join(w.root, "home", ".config", "handoff")
		before := map[string][]byte{}
		for _, f := range []string{"config.yaml", "credentials.yaml"} {
			b, err := os.ReadFile(filepath.Join(home, f))
			if err != nil {
				t.Fatal(err)
			}
			before[f] = b
		}
		tm := w.startSized(t, cols, rows, nil, "configure", "to-maria")
		tm.waitFor(`Intent: when`)
		tm.typeKeys("The customer asks to talk to Maria about an enterprise contract.")
		tm.waitFor(`✓ looks good`)
		tm.typeKeys(cfgEnter)
		tm.visible("> acme", "Connect a new account…")
		tm.typeKeys(cfgDown)
		tm.visible("  acme", "> Connect a new account…")
		tm.typeKeys(cfgEnter)

		tm.waitFor(`Account name`)
		tm.visible("> e.g. acme-prod")
		tm.typeChecked("", "Acme")
		tm.waitFor(inputLine("Acme"))
		tm.eraseChecked("Acme")
		tm.typeChecked("", "acme-eu")
		tm.waitFor(inputLine("acme-eu") + "looks good")
		tm.typeKeys(cfgEnter)

		tm.waitFor(`API endpoint`)
		tm.visible("> e.g. https://live-mt-server.wati.io")
		tm.typeChecked("", "ftp://x")
		s := tm.waitFor(inputLine("ftp://x"))
		fits(t, s, rows)
		tm.eraseChecked("ftp://x")
		tm.typeChecked("", w.sandbox.URL())
		tm.waitFor(inputLine(w.sandbox.URL()) + "looks good")
		tm.typeKeys(cfgEnter)
		tm.visible("> v3 (recommended)", "  v1 (legacy, needs the tenant id)")
		tm.typeKeys(cfgEnter)
		tm.waitFor(`API token`)
		tm.typeKeys(w.sandbox.Token())
		tm.waitFor(`(?m)^┃ > •+ *$`)
		tm.typeKeys(cfgEnter)
		tm.waitFor(`Connected account acme-eu`)
		tm.visible("> Team: a Wati team")
		tm.typeKeys(cfgCtrlC)
		if code := tm.wait(); code != 130 {
			t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
		}
		tm.waitFor(words("account acme-eu, connected on the way, was removed again"))
		if strings.Contains(tm.output(), w.sandbox.Token()) {
			t.Errorf("the token was on the screen")
		}
		for f, want := range before {
			if got, _ := os.ReadFile(filepath.Join(home, f)); !bytes.Equal(got, want) {
				t.Errorf("%s not restored:\n%s\nwant:\n%s", f, got, want)
			}
		}

		// A user typed in (the sandbox declares none): the email stays on
		// screen with its check.
		tm = w.startSized(t, cols, rows, nil, "configure", "to-maria")
		tm.waitFor(`Intent: when`)
		tm.typeKeys("The customer asks to talk to Maria about an enterprise contract.")
		tm.waitFor(`✓ looks good`)
		tm.typeKeys(cfgEnter)
		tm.visible("> acme")
		tm.typeKeys(cfgEnter)
		tm.visible("> Team: a Wati team")
		tm.typeKeys(cfgDown, cfgEnter)
		tm.waitFor(`Operator email`)
		tm.visible("> e.g. maria@acme.com")
		tm.typeChecked("", "maria@")
		tm.typeChecked("maria@", "acme.com")
		s = tm.waitFor(inputLine("maria@acme.com") + "looks good")
		cfgDoc(t, cols, rows, "user-typed", tm)
		tm.typeKeys(cfgEnter)
		s = tm.visible("note      user maria@acme.com is not in the directory of acme", "> Save to")
		if strings.Contains(s, "saved as given") {
			t.Errorf("'saved as given' before saving:\n%s", s)
		}
		tm.typeKeys(cfgEnter)
		if code := tm.wait(); code != 0 {
			t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
		}
		tm.waitFor(`(?s)Saved actions/to-maria\.yaml.*` + words("warning: user maria@acme.com is not in the directory of acme") + `.*` + words("saved as given"))
	})
}

// Ctrl+E: with $EDITOR naming a missing program and no vi or nano, the form
// says that no editor was found and goes on.
func TestConfigurePTYEditorMissing(t *testing.T) {
	w := newCfgWorld(t)
	w.writeAction(t, "escalate-billing", commentedAction)
	bin, err := exec.LookPath("handoff")
	if err != nil {
		t.Fatal(err)
	}
	// A PATH with handoff only: no vi, no nano.
	dir := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(dir, "handoff")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + dir, "EDITOR=no-such-editor", "VISUAL="}
	tm := w.startSized(t, 80, 24, env, "configure", "intent", "escalate-billing")
	tm.waitFor(`Intent: when`)
	tm.typeKeys("\x05") // Ctrl+E
	tm.visible("$EDITOR (no-such-editor) not found, and neither vi nor nano is installed")
	tm.typeKeys(" Not for prices.")
	tm.visible("an invoice. Not for prices.", "✓ looks good")
	tm.typeKeys(cfgEnter)
	tm.visible("> Save to")
	tm.typeKeys(cfgEnter)
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
}

// A terminal that never answers (no emulator on the other side): the first
// frame comes at once, in colour, not after a 5 s query timeout.
func TestConfigurePTYFirstFrameNoAnswer(t *testing.T) {
	w := newCfgWorld(t)
	bin, err := exec.LookPath("handoff")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "configure")
	cmd.Env = append(append([]string{}, w.env...), "NO_COLOR=", "COLORFGBG=")
	cmd.Dir = w.root
	start := time.Now()
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); ptmx.Close() }()
	got := make(chan time.Duration, 1)
	go func() {
		var out []byte
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			out = append(out, buf[:n]...)
			if bytes.Contains(out, []byte("Action name")) {
				got <- time.Since(start)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case d := <-got:
		if d > 2*time.Second {
			t.Fatalf("the first frame took %v", d)
		}
		t.Logf("first frame after %v", d)
	case <-time.After(4 * time.Second):
		t.Fatal("no first frame within 4 s on a terminal that never answers")
	}
}

// configure assignee on a file whose assignee is invalid: the screen says
// what is wrong, the step is asked afresh, and saving repairs the file with
// its comments; a file broken elsewhere points at handoff validate.
func TestConfigurePTYRepairsTheEditedPart(t *testing.T) {
	w := newCfgWorld(t)
	path := w.writeAction(t, "escalate-billing", strings.Replace(commentedAction, "type: team ", "type: teem ", 1))
	tm := w.startSized(t, 80, 24, nil, "configure", "assignee", "escalate-billing")
	tm.waitFor(words(`actions/escalate-billing.yaml:8: the assignee is not valid (assignee type "teem" is not one of team, user, bot)`))
	tm.visible("Step 3 of 3, assignee · editing escalate-billing", "> Team: a Wati team")
	tm.typeKeys(cfgEnter)
	tm.visible("> Billing", "  Support")
	tm.typeKeys(cfgEnter)
	tm.visible("3. assignee  the Billing team", "> Save to")
	tm.typeKeys(cfgEnter)
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	if got, _ := os.ReadFile(path); string(got) != commentedAction {
		t.Fatalf("file:\n%s\nwant:\n%s", got, commentedAction)
	}

	other := strings.Replace(commentedAction, "version: 1", "version: 2", 1)
	w.writeAction(t, "escalate-billing", other)
	tm = w.startSized(t, 80, 24, nil, "configure", "assignee", "escalate-billing")
	if code := tm.wait(); code != 3 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	tm.waitFor(`(?s)rewrites\s+only\s+assignee.*Run: handoff validate actions/escalate-billing\.yaml`)
}

// Ctrl+E runs $EDITOR on the intent; when it returns, the form is on screen
// once, with the edited text: no stale frame is left behind.
func TestConfigurePTYEditorReturns(t *testing.T) {
	w := newCfgWorld(t)
	w.writeAction(t, "escalate-billing", commentedAction)
	editor := filepath.Join(t.TempDir(), "ed.sh")
	script := "#!/bin/sh\nprintf '\\033[?1049h\\033[2J edited \\033[?1049l'\nsed -i 's/an invoice\\./an invoice. Not for prices./' \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tm := w.startSized(t, 80, 24, []string{"EDITOR=" + editor, "VISUAL="}, "configure", "intent", "escalate-billing")
	tm.waitFor(`✓ looks good`)
	tm.typeKeys("\x05") // Ctrl+E
	s := tm.visible("an invoice. Not for prices.", "✓ looks good", "enter submit")
	time.Sleep(200 * time.Millisecond)
	s = tm.screen()
	if n := strings.Count(s, "Intent: when should the AI agent hand over?"); n != 1 {
		t.Fatalf("the form is on screen %d times after the editor:\n%s", n, s)
	}
	if strings.Contains(s, "Editing the intent in") || strings.Contains(s, "edited") {
		t.Fatalf("left over from the editor:\n%s", s)
	}
	tm.typeKeys(cfgEnter)
	tm.visible("> Save to")
	tm.typeKeys(cfgEnter)
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	a, err := action.NewStore(w.actions).Load("escalate-billing")
	if err != nil || !strings.HasSuffix(a.Intent, "an invoice. Not for prices.") {
		t.Fatalf("saved %+v, %v", a, err)
	}
}
