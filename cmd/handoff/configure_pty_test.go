package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"

	"github.com/handoff-dev/handoff/pkg/account"
	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// These tests run the real binary (the test binary standing in as
// `handoff`, see TestMain) in a pseudo-terminal, read its screen through a
// terminal emulator, and type keys as a person would.

const (
	cfgCols, cfgRows = 80, 34
	cfgTimeout       = 30 * time.Second // generous: a loaded CI machine, -race
	cfgEnter         = "\r"
	cfgCtrlC         = "\x03"
	cfgEsc           = "\x1b"
	cfgDown          = "\x1b[B"
)

// term is a running handoff in a pseudo-terminal.
type cfgTerm struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File
	vt     vt10x.Terminal
	done   chan struct{} // the screen reader ended
	exited chan struct{}
	mu     sync.Mutex
	raw    strings.Builder
}

// world is a home, config, cache and actions folder for one test.
type cfgWorld struct {
	root, actions string
	env           []string
	sandbox       *sandbox.Server
}

func newCfgWorld(t *testing.T) *cfgWorld { return newCfgWorldWith(t, sandbox.Options{}) }

func newCfgWorldWith(t *testing.T, opts sandbox.Options) *cfgWorld {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	w := &cfgWorld{root: root, actions: filepath.Join(root, "actions")}
	w.env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"HANDOFF_DIR=actions", // relative: short paths on screen
		"TERM=xterm-256color",
		"NO_COLOR=1",
		"LANG=C.UTF-8",
	}
	// A Wati sandbox on loopback and one account connected to it. Nothing
	// is cached: step 3 loads the directory over HTTP, behind a spinner.
	opts.LogLimit = -1
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	w.sandbox = sb
	accts := account.NewStore(filepath.Join(home, ".config", "handoff"), func(string) string { return "" })
	if err := accts.Add(account.Account{Name: "acme", Endpoint: sb.URL()}, sb.Token(), false); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *cfgWorld) start(t *testing.T, extraEnv []string, args ...string) *cfgTerm {
	t.Helper()
	return w.startSized(t, cfgCols, cfgRows, extraEnv, args...)
}

// startSized runs handoff in a terminal of cols x rows.
func (w *cfgWorld) startSized(t *testing.T, cols, rows int, extraEnv []string, args ...string) *cfgTerm {
	t.Helper()
	bin, err := exec.LookPath("handoff")
	if err != nil {
		t.Fatalf("handoff is not on PATH (TestMain installs it): %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	cmd.Dir = w.root
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatal(err)
	}
	tm := &cfgTerm{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{}), exited: make(chan struct{})}
	tm.vt = vt10x.New(vt10x.WithSize(cols, rows), vt10x.WithWriter(ptmx))
	go func() {
		defer close(tm.done)
		buf := make([]byte, 8192)
		var carry []byte
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.raw.Write(buf[:n])
				tm.mu.Unlock()
				data := append(carry, buf[:n]...)
				m, _ := tm.vt.Write(data)
				carry = append([]byte(nil), data[m:]...) // a rune cut in two
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		close(tm.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-tm.exited:
		default:
			_ = cmd.Process.Kill()
			<-tm.exited
		}
		ptmx.Close()
	})
	return tm
}

// screen is the emulator's screen, trailing spaces trimmed.
func (tm *cfgTerm) screen() string {
	lines := strings.Split(tm.vt.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \x00")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// waitFor waits until the screen matches re, and fails with the screen on timeout.
func (tm *cfgTerm) waitFor(re string) string {
	tm.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(cfgTimeout)
	for {
		s := tm.screen()
		if rx.MatchString(s) {
			return s
		}
		select {
		case <-tm.exited:
			time.Sleep(50 * time.Millisecond) // let the last output land
			if s = tm.screen(); rx.MatchString(s) {
				return s
			}
			tm.t.Fatalf("handoff exited (%v) before the screen showed %q; screen:\n%s", tm.cmd.ProcessState, re, s)
		default:
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timeout waiting for %q; screen:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// typeKeys sends keys; text is sent as typed.
func (tm *cfgTerm) typeKeys(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if _, err := tm.ptmx.Write([]byte(k)); err != nil {
			tm.t.Fatalf("typing %q: %v", k, err)
		}
		time.Sleep(15 * time.Millisecond) // a person, not a paste
	}
}

// wait waits for the exit and returns its code.
func (tm *cfgTerm) wait() int {
	tm.t.Helper()
	select {
	case <-tm.exited:
	case <-time.After(cfgTimeout):
		tm.t.Fatalf("handoff did not exit; screen:\n%s", tm.screen())
	}
	select {
	case <-tm.done:
	case <-time.After(time.Second):
	}
	return tm.cmd.ProcessState.ExitCode()
}

// cfgColourRe matches an SGR sequence that sets a colour.
var cfgColourRe = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|38;[25]);?[0-9;]*m`)

// output is everything the program wrote to the terminal.
func (tm *cfgTerm) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.String()
}

func TestConfigurePTYBotFromTheList(t *testing.T) {
	// A slow Wati: the directory loads behind a spinner.
	w := newCfgWorldWith(t, sandbox.Options{Latency: 300 * time.Millisecond})
	tm := w.startSized(t, cfgDocCols, cfgDocRows, nil, "configure", "start-return")
	tm.waitFor(`Intent: when`)
	tm.typeKeys("The customer wants to return an item or asks for a return label.", cfgEnter)
	tm.waitFor(`Wati account`)
	tm.typeKeys(cfgEnter)
	tm.waitFor(`Assignee type`)
	tm.typeKeys(cfgDown, cfgDown, cfgEnter)
	// Taken as soon as it shows: the spinner is gone 300 ms later.
	cfgDocScreen(t, "spinner", docScreen(tm.waitFor(`(?s)Assignee type: Bot.*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Loading the teams, users and bots of acme…`)))
	s := tm.waitFor(`(?s)Bot\n.*Feedback survey \(607f1f77bcf86cd799439013\).*Returns flow \(607f1f77bcf86cd799439011\).*bot operator.*Type it yourself`)
	_ = s
	cfgDoc(t, cfgDocCols, cfgDocRows, "bot", tm)
	tm.typeKeys("/", "Ret")
	tm.waitFor(`> Returns flow`)
	tm.typeKeys(cfgEnter)
	tm.waitFor(`(?s)3\. assignee  chatbot Returns flow \(607f1f77bcf86cd799439011\).*> Save to`)
	tm.typeKeys(cfgEnter) // only once the form is up: typed ahead, Enter would arrive as Ctrl+J (down)
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	a, err := action.NewStore(w.actions).Load("start-return")
	if err != nil {
		t.Fatal(err)
	}
	if a.Assignee != (action.Assignee{Type: action.Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"}) {
		t.Fatalf("saved %+v", a.Assignee)
	}
}

const commentedAction = `# Billing disputes go to the Billing team.
version: 1
name: escalate-billing          # equal to the file name
intent: >-
  The customer disputes a charge, asks for a refund, or asks for a person about an invoice.
account: acme   # by name: no secret here
assignee:
  type: team                    # team | user | bot
  team: Billing
# reviewed by the support lead
`

func TestConfigurePTYEditIntentKeepsComments(t *testing.T) {
	w := newCfgWorld(t)
	if err := os.MkdirAll(w.actions, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(w.actions, "escalate-billing.yaml")
	if err := os.WriteFile(path, []byte(commentedAction), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := w.start(t, nil, "configure", "intent", "escalate-billing")
	tm.waitFor(`(?s)Intent: when should the AI agent hand over\?.*disputes a charge`)
	tm.typeKeys(" Not for questions about prices.")
	tm.waitFor(`✓ looks good`)
	tm.typeKeys(cfgEnter)
	s := tm.waitFor(`(?s)Summary.*Save this action\?.*Go back to step 1.*Cancel`)
	if strings.Contains(s, "step 2") {
		t.Errorf("a one-step edit offers other steps:\n%s", s)
	}
	tm.typeKeys(cfgEnter)
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Everything but the intent is byte for byte what it was (the editor may
	// fold the longer intent over two lines).
	before, after, _ := strings.Cut(commentedAction, "  The customer disputes")
	_, after, _ = strings.Cut(after, "\n")
	if !strings.HasPrefix(string(got), before) || !strings.HasSuffix(string(got), after) {
		t.Fatalf("file:\n%s\nwant it to start with:\n%s\nand end with:\n%s", got, before, after)
	}
	a, err := action.NewStore(w.actions).Load("escalate-billing")
	if err != nil {
		t.Fatal(err)
	}
	if want := "The customer disputes a charge, asks for a refund, or asks for a person about an invoice. Not for questions about prices."; a.Intent != want {
		t.Fatalf("intent %q", a.Intent)
	}
}

func TestConfigurePTYCancelLeavesNothing(t *testing.T) {
	w := newCfgWorld(t)
	// Ctrl-C in colour, Esc under NO_COLOR (which must leave no colour at all).
	for _, c := range []struct {
		name, key, noColor string
	}{{"ctrl-c", cfgCtrlC, ""}, {"esc", cfgEsc, "1"}} {
		t.Run(c.name, func(t *testing.T) {
			tm := w.start(t, []string{"NO_COLOR=" + c.noColor}, "configure")
			tm.waitFor(`Action name`)
			tm.typeKeys("escalate-billing", cfgEnter)
			tm.waitFor(`Intent: when`)
			tm.typeKeys("The customer disputes a charge or asks for a refund.", cfgEnter)
			tm.waitFor(`Wati account`)
			tm.typeKeys(cfgDown, c.key)
			if code := tm.wait(); code != 130 {
				t.Fatalf("exit %d, want 130; screen:\n%s", code, tm.screen())
			}
			tm.waitFor(`handoff: cancelled; no action was written`)
			if colour := tm.output(); (c.noColor == "") != cfgColourRe.MatchString(colour) {
				t.Errorf("NO_COLOR=%q, colour sequences found: %v", c.noColor, cfgColourRe.FindAllString(colour, 3))
			}
			entries, _ := os.ReadDir(w.actions)
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), ".") { // .directory.yaml is the declared directory
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

func TestConfigurePTYAccessible(t *testing.T) {
	// Line prompts (HANDOFF_ACCESSIBLE=1): the answers typed ahead all at
	// once, as a screen reader user pasting them would.
	w := newCfgWorld(t)
	tm := w.startSized(t, cfgDocCols, cfgDocRows, []string{"HANDOFF_ACCESSIBLE=1"}, "configure", "to-maria")
	tm.waitFor(`Intent: when should the AI agent hand over\?`)
	tm.typeKeys("The customer asks to talk to Maria about an enterprise contract.\r" +
		"\r" + // account: the default (acme)
		"2\r" + // assignee type: user
		"maria@acme.com\r" + // no users known: typed
		"\r") // save
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, tm.screen())
	}
	a, err := action.NewStore(w.actions).Load("to-maria")
	if err != nil {
		t.Fatalf("%v; screen:\n%s", err, tm.screen())
	}
	if a.Assignee != (action.Assignee{Type: action.User, Email: "maria@acme.com"}) || a.Account != "acme" {
		t.Fatalf("saved %+v", a)
	}
	s := tm.screen()
	cfgDoc(t, cfgDocCols, cfgDocRows, "accessible", tm)
	if strings.Contains(s, "\x1b[") || !strings.Contains(tm.output(), "Enter a number between 1 and 3") {
		t.Errorf("not line prompts:\n%s", s)
	}
}
