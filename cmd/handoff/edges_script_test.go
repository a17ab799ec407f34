package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/redact/redacttest"
)

// Testscript commands for hostile servers and token sweeps:
//
//	hostile-start
//	    starts, in the test process, a "Wati" on loopback that echoes the
//	    token it receives in its answers (see token-sweep), and sets
//	    HOSTILE_URL, HOSTILE_TOKEN and HOSTILE_TOKEN_FILE.
//	token-sweep MODE FROM TO [FILE...] -- COMMAND ARGS...
//	    for every position P from FROM to TO, makes the server answer with
//	    the token at character P of its text, runs COMMAND (its exit code is
//	    not checked), and fails when stdout, stderr or one of the FILEs
//	    shows any part (redact.MinPart characters or more) of the token, or
//	    when none of them shows the server's text at all. MODE: message (a
//	    400 with v3's {"message": ...}), text (a 400 with a plain body),
//	    escapes (a 400 whose message is full of terminal escape sequences,
//	    CR and LF: none may reach stdout, stderr or the FILEs raw).
func init() {
	scriptCmds["hostile-start"] = cmdHostileStart
	scriptCmds["token-sweep"] = cmdTokenSweep
	scriptCmds["concurrent-edits"] = cmdConcurrentEdits
}

// hostileToken is 22 characters, from an alphabet the padding does not use.
const hostileToken = "Tk9QRz7WmA3bC5dE1fG2hJ"

type hostileServer struct {
	mu   sync.Mutex
	mode string
	pos  int
}

func (h *hostileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	mode, p := h.mode, h.pos
	h.mu.Unlock()
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	text := strings.Repeat("x", p) + tok + " is not a valid request"
	switch mode {
	case "text":
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, text)
	case "escapes":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		b, _ := json.Marshal(map[string]any{"code": 400, "message": "\x1b[2J\x1b]0;owned\x07\rxxxx\r\nforged: ok\u009b31m" + strings.Repeat("!", p)})
		_, _ = w.Write(b)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		b, _ := json.Marshal(map[string]any{"code": 400, "message": text})
		_, _ = w.Write(b)
	}
}

func cmdHostileStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: hostile-start")
	}
	h := &hostileServer{}
	srv := httptest.NewServer(h)
	ts.Defer(srv.Close)
	hostiles.Store(srv.URL, h)
	file := ts.MkAbs(".hostile-token")
	ts.Check(os.WriteFile(file, []byte(hostileToken+"\n"), 0o600))
	ts.Setenv("HOSTILE_URL", srv.URL)
	ts.Setenv("HOSTILE_TOKEN", hostileToken)
	ts.Setenv("HOSTILE_TOKEN_FILE", file)
}

var hostiles sync.Map // URL -> *hostileServer

func cmdTokenSweep(ts *testscript.TestScript, neg bool, args []string) {
	sep := -1
	for i, a := range args {
		if a == "--" {
			sep = i
			break
		}
	}
	if neg || sep < 3 || sep == len(args)-1 {
		ts.Fatalf("usage: token-sweep MODE FROM TO [FILE...] -- COMMAND ARGS...")
	}
	mode := args[0]
	from, err1 := strconv.Atoi(args[1])
	to, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || from > to {
		ts.Fatalf("token-sweep: bad range %s %s", args[1], args[2])
	}
	files, cmd := args[3:sep], args[sep+1:]
	v, ok := hostiles.Load(ts.Getenv("HOSTILE_URL"))
	if !ok {
		ts.Fatalf("token-sweep: run hostile-start first")
	}
	h := v.(*hostileServer)
	for p := from; p <= to; p++ {
		h.mu.Lock()
		h.mode, h.pos = mode, p
		h.mu.Unlock()
		if err := ts.Exec(cmd[0], cmd[1:]...); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				ts.Fatalf("token-sweep: %v", err)
			}
		}
		outputs := map[string]string{"stdout": ts.ReadFile("stdout"), "stderr": ts.ReadFile("stderr")}
		for _, f := range files {
			b, err := os.ReadFile(ts.MkAbs(f))
			ts.Check(err)
			outputs[f] = string(b)
		}
		shown := false
		for name, text := range outputs {
			if l := tokenPart(text); l != "" {
				ts.Fatalf("token at %d: %s shows %q of the token:\n%s", p, name, l, text)
			}
			if mode == "escapes" {
				for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\nforged"} {
					if strings.Contains(text, bad) {
						ts.Fatalf("position %d: %s has %q raw:\n%q", p, name, bad, text)
					}
				}
			}
			shown = shown || strings.Contains(text, "xxx")
		}
		if !shown {
			ts.Fatalf("token at %d: the server's text is shown nowhere (the test would prove nothing): %q", p, outputs)
		}
	}
}

func tokenPart(s string) string { return redacttest.Leaked(s, hostileToken) }

// concurrent-edits ACTION ROUNDS
//
//	runs, ROUNDS times, `handoff configure intent ACTION` and `handoff
//	configure assignee ACTION` at the same time (two processes), and fails
//	unless both say Saved and the file then holds both changes: no edit of
//	one action file is lost to another.
func cmdConcurrentEdits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: concurrent-edits ACTION ROUNDS")
	}
	name := args[0]
	rounds, err := strconv.Atoi(args[1])
	ts.Check(err)
	bin, err := lookPath("handoff", ts.Getenv("PATH"))
	ts.Check(err)
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "HANDOFF_DIR", "HANDOFF_CONFIG_DIR", "HANDOFF_NO_PROMPT"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	file := ts.MkAbs(strings.TrimSuffix(ts.Getenv("HANDOFF_DIR"), "/") + "/" + name + ".yaml")
	for i := 1; i <= rounds; i++ {
		intent := fmt.Sprintf("The customer asks for a person, round %d of the concurrent edits.", i)
		email := fmt.Sprintf("agent-%d@acme.com", i)
		cmds := [][]string{
			{"configure", "intent", name, "--intent", intent},
			{"configure", "assignee", name, "--assignee-type", "user", "--assignee", email},
		}
		outs := make([]string, len(cmds))
		errs := make([]error, len(cmds))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for j, a := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := exec.Command(bin, a...)
				c.Env, c.Dir = env, ts.Getenv("WORK")
				<-start
				out, err := c.CombinedOutput()
				outs[j], errs[j] = string(out), err
			}()
		}
		close(start)
		wg.Wait()
		for j := range cmds {
			if errs[j] != nil || !strings.Contains(outs[j], "Saved ") {
				ts.Fatalf("round %d: %q: %v\n%s", i, cmds[j], errs[j], outs[j])
			}
		}
		b, err := os.ReadFile(file)
		ts.Check(err)
		if !strings.Contains(strings.Join(strings.Fields(string(b)), " "), intent) || !strings.Contains(string(b), "email: "+email) {
			ts.Fatalf("round %d: a change was lost; %s is now:\n%s\n(the commands said:\n%s\n%s)", i, file, b, outs[0], outs[1])
		}
	}
}
