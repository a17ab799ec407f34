package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/handoff-dev/handoff/pkg/account"
)

// ptyRun is the binary running in a pseudo-terminal, its raw output collected.
type ptyRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func startPTY(t *testing.T, home string, args ...string) *ptyRun {
	t.Helper()
	bin, err := exec.LookPath("handoff")
	if err != nil {
		t.Fatalf("handoff is not on PATH: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "TERM=dumb", "NO_COLOR=1"}
	cmd.Dir = home
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 200, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ptmx.Close(); _ = cmd.Process.Kill() })
	return r
}

func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func (r *ptyRun) waitFor(text string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.output(), text) {
		if time.Now().After(deadline) {
			r.t.Fatalf("no %q on the terminal; got:\n%s", text, r.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *ptyRun) send(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.ptmx, s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *ptyRun) exitCode() int {
	r.t.Helper()
	ch := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("handoff did not exit; output:\n%s", r.output())
	}
	select {
	case <-r.done:
	case <-time.After(time.Second):
	}
	return r.cmd.ProcessState.ExitCode()
}

// On a terminal, account add asks for the token without echoing it, and
// asks before replacing an account; Ctrl-C at the prompt writes nothing.
func TestAccountAddPTY(t *testing.T) {
	home := t.TempDir()
	store := account.NewStore(filepath.Join(home, ".config", "handoff"), func(string) string { return "" })

	r := startPTY(t, home, "account", "add", "acme", "--endpoint", "https://live-mt-server.wati.io")
	r.waitFor("Paste the API token of acme")
	r.send("Bearer s3cr3t-typed\r")
	if code := r.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.output())
	}
	if strings.Contains(r.output(), "s3cr3t-typed") {
		t.Fatalf("the token was echoed:\n%s", r.output())
	}
	if tok, src, _ := store.Token("acme"); tok != "s3cr3t-typed" || src != "credentials.yaml" {
		t.Fatalf("stored token %q from %s", tok, src)
	}

	// Replacing asks; "n" keeps the account as it was (exit 130).
	r = startPTY(t, home, "account", "add", "acme", "--endpoint", "https://eu.example.com")
	r.waitFor(`Account "acme" exists (https://live-mt-server.wati.io). Replace it? [y/N]`)
	r.send("n\r")
	if code := r.exitCode(); code != 130 {
		t.Fatalf("declined replace: exit %d:\n%s", code, r.output())
	}
	if a, _ := store.Get("acme"); a.Endpoint != "https://live-mt-server.wati.io" {
		t.Fatalf("declined replace changed the account: %+v", a)
	}

	// Ctrl-C in the token prompt: exit 130, nothing written, terminal echo back.
	r = startPTY(t, home, "account", "add", "beta", "--endpoint", "https://b.example.com")
	r.waitFor("Paste the API token of beta")
	r.send("half")
	r.send("\x03")
	if code := r.exitCode(); code != 130 {
		t.Fatalf("Ctrl-C: exit %d:\n%s", code, r.output())
	}
	if names, _ := store.Names(); len(names) != 1 {
		t.Fatalf("accounts after Ctrl-C: %v", names)
	}

	// remove asks too.
	r = startPTY(t, home, "account", "remove", "acme")
	r.waitFor(`Remove account "acme" and its stored token? [y/N]`)
	r.send("y\r")
	if code := r.exitCode(); code != 0 {
		t.Fatalf("remove: exit %d:\n%s", code, r.output())
	}
	if names, _ := store.Names(); len(names) != 0 {
		t.Fatalf("accounts after remove: %v", names)
	}
}

// --with-token on a terminal (nothing piped in) asks for the token without
// echo, like the prompt without the flag; and the hint of `account test` for
// an account without a token is a command that works there.
func TestAccountAddWithTokenOnTerminalPTY(t *testing.T) {
	home := t.TempDir()
	store := account.NewStore(filepath.Join(home, ".config", "handoff"), func(string) string { return "" })
	if err := store.Add(account.Account{Name: "acme", Endpoint: "https://live-mt-server.wati.io"}, "", false); err != nil {
		t.Fatal(err)
	}
	r := startPTY(t, home, "account", "test", "acme")
	if code := r.exitCode(); code != 4 {
		t.Fatalf("account test without a token: exit %d:\n%s", code, r.output())
	}
	hint := regexp.MustCompile(`Run: handoff (account add acme --with-token)`).FindStringSubmatch(r.output())
	if hint == nil {
		t.Fatalf("no account add hint:\n%s", r.output())
	}
	r = startPTY(t, home, strings.Fields(hint[1])...)
	r.waitFor("API token of acme")
	r.send("s3cr3t-with-flag\r")
	if code := r.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.output())
	}
	if strings.Contains(r.output(), "s3cr3t-with-flag") {
		t.Fatalf("the token was echoed:\n%s", r.output())
	}
	if tok, src, _ := store.Token("acme"); tok != "s3cr3t-with-flag" || src != "credentials.yaml" {
		t.Fatalf("stored token %q from %s", tok, src)
	}
}
