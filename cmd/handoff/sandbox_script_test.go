package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/sandbox"
	"github.com/handoff-dev/handoff/pkg/wati/watitest"
)

// Testscript commands around the Wati sandbox (pkg/sandbox), for every
// script that needs a Wati:
//
//	sandbox-start [--token T] [--tenant-id ID] [--seed FILE] [--generate-contacts N]
//	              [--latency DUR] [--fail-rate F] [--fail-status CODE] [--rate-limit N]
//	              [--reply-after DUR] [--reply-jitter F] [--unanswered F] [--rand-seed N]
//	    starts a sandbox IN the test process on a free loopback port, stopped
//	    when the script ends, and sets for the rest of the script:
//	      WATI_URL         e.g. http://127.0.0.1:41234
//	      WATI_ADDR        the same without http://
//	      WATI_TOKEN       its token (default sandbox-token)
//	      WATI_TENANT      its v1 tenant id (default 100001)
//	      WATI_TOKEN_FILE  a file holding the token, for: stdin $WATI_TOKEN_FILE
//	sandbox-state [PHONE...]     GET /_sandbox/state into stdout (one contact a line)
//	sandbox-requests [TEXT]      GET /_sandbox/requests[?path=TEXT] into stdout
//	sandbox-http [-no-token] METHOD PATH [BODY]
//	    a raw request to $WATI_URL with $WATI_TOKEN; stdout gets "STATUS\nBODY"
//	sandbox-freeaddr VAR         sets VAR to a free 127.0.0.1:PORT (for `handoff sandbox --addr`)
//	sandbox-wait URL             waits (up to 10s) until URL answers
//
// A typical script:
//
//	sandbox-start
//	stdin $WATI_TOKEN_FILE
//	exec handoff account add sandbox --endpoint $WATI_URL --with-token
//	exec handoff assign escalate-billing --conversation 14155552671
//	sandbox-state 14155552671
//	stdout '"teams":\["Billing"\]'
func init() {
	scriptCmds["sandbox-start"] = cmdSandboxStart
	scriptCmds["sandbox-state"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg {
			ts.Fatalf("unsupported: ! sandbox-state")
		}
		path := "/_sandbox/state"
		for i, p := range args {
			sep := "&"
			if i == 0 {
				sep = "?"
			}
			path += sep + "contact=" + p
		}
		status, body := sandboxGet(ts, path)
		if status != http.StatusOK {
			ts.Fatalf("sandbox-state: %d %s", status, body)
		}
		_, _ = io.WriteString(ts.Stdout(), body)
	}
	scriptCmds["sandbox-requests"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) > 1 {
			ts.Fatalf("usage: sandbox-requests [PATH-SUBSTRING]")
		}
		path := "/_sandbox/requests"
		if len(args) == 1 {
			path += "?path=" + args[0]
		}
		status, body := sandboxGet(ts, path)
		if status != http.StatusOK {
			ts.Fatalf("sandbox-requests: %d %s", status, body)
		}
		_, _ = io.WriteString(ts.Stdout(), body)
	}
	scriptCmds["sandbox-http"] = cmdSandboxHTTP
	scriptCmds["sandbox-freeaddr"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: sandbox-freeaddr VAR")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		addr := ln.Addr().String()
		ts.Check(ln.Close())
		ts.Setenv(args[0], addr)
	}
	scriptCmds["sandbox-wait"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: sandbox-wait URL")
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get(args[0])
			if err == nil {
				resp.Body.Close()
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("sandbox-wait: %s did not answer: %v", args[0], err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func cmdSandboxStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox-start")
	}
	fs := flag.NewFlagSet("sandbox-start", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts sandbox.Options
	var seedFile string
	fs.StringVar(&opts.Token, "token", sandbox.DefaultToken, "")
	fs.StringVar(&opts.TenantID, "tenant-id", sandbox.DefaultTenantID, "")
	fs.StringVar(&seedFile, "seed", "", "")
	fs.IntVar(&opts.GenerateContacts, "generate-contacts", 0, "")
	fs.DurationVar(&opts.Latency, "latency", 0, "")
	fs.Float64Var(&opts.FailRate, "fail-rate", 0, "")
	fs.IntVar(&opts.FailStatus, "fail-status", 0, "")
	fs.IntVar(&opts.RateLimit, "rate-limit", 0, "")
	fs.DurationVar(&opts.ReplyAfter, "reply-after", 0, "")
	fs.Float64Var(&opts.ReplyJitter, "reply-jitter", 0, "")
	fs.Float64Var(&opts.Unanswered, "unanswered", 0, "")
	fs.Uint64Var(&opts.RandSeed, "rand-seed", 0, "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		ts.Fatalf("sandbox-start: bad arguments %q (%v)", args, err)
	}
	if seedFile != "" {
		seed, err := sandbox.LoadSeed(ts.MkAbs(seedFile))
		ts.Check(err)
		opts.Seed = seed
	}
	// Every exchange is checked against Wati's spec; a violation is logged
	// where the script's end looks (see TestScripts).
	contract := &watitest.Collector{File: ts.Getenv(watitest.EnvLog)}
	opts.Wrap = func(h http.Handler) http.Handler { return watitest.Handler(contract, h) }
	srv, err := sandbox.New(opts)
	ts.Check(err)
	ts.Check(srv.Start("127.0.0.1:0"))
	ts.Defer(func() { _ = srv.Close() })
	tokenFile := ts.MkAbs(".wati-token")
	ts.Check(os.WriteFile(tokenFile, []byte(srv.Token()+"\n"), 0o600))
	ts.Setenv("WATI_URL", srv.URL())
	ts.Setenv("WATI_ADDR", strings.TrimPrefix(srv.URL(), "http://"))
	ts.Setenv("WATI_TOKEN", srv.Token())
	ts.Setenv("WATI_TENANT", srv.TenantID())
	ts.Setenv("WATI_TOKEN_FILE", filepath.ToSlash(tokenFile))
}

func sandboxURL(ts *testscript.TestScript) string {
	u := ts.Getenv("WATI_URL")
	if u == "" {
		ts.Fatalf("no sandbox: run sandbox-start first")
	}
	return u
}

func sandboxGet(ts *testscript.TestScript, path string) (int, string) {
	resp, err := http.Get(sandboxURL(ts) + path)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	return resp.StatusCode, string(b)
}

func cmdSandboxHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sandbox-http")
	}
	token := ts.Getenv("WATI_TOKEN")
	if len(args) > 0 && args[0] == "-no-token" {
		token, args = "", args[1:]
	}
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: sandbox-http [-no-token] METHOD PATH [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], sandboxURL(ts)+args[1], body)
	ts.Check(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%d\n%s\n", resp.StatusCode, b)
}
