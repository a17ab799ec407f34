package main

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// Testscript commands for whole handoffs:
//
//	exits-in CODES cmd args...   run a command and require one of the exit codes
//	               (comma-separated: 0,8), for outcomes that depend on timing
//	max-texts N    no conversation of the sandbox got more than N session
//	               messages or templates; prints "texts=T templates=P"
func init() {
	scriptCmds["exits-in"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: exits-in CODES command [args...]")
		}
		got := 0
		if err := ts.Exec(args[1], args[2:]...); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				ts.Fatalf("exits-in: %v", err)
			}
			got = ee.ExitCode()
		}
		for _, c := range strings.Split(args[0], ",") {
			if strconv.Itoa(got) == c {
				return
			}
		}
		ts.Fatalf("exit code %d, want one of %s", got, args[0])
	}
	scriptCmds["max-texts"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: max-texts N")
		}
		limit, err := strconv.Atoi(args[0])
		ts.Check(err)
		texts, tmpls := 0, 0
		for _, c := range sandboxStateOf(ts).Contacts {
			for _, v := range c.Conversations {
				texts += v.TextsSent
				tmpls += v.TemplatesSent
				if v.TextsSent+v.TemplatesSent > limit {
					ts.Fatalf("conversation %s of %s got %d texts and %d templates", v.ID, c.WaID, v.TextsSent, v.TemplatesSent)
				}
			}
		}
		fmt.Fprintf(ts.Stdout(), "texts=%d templates=%d\n", texts, tmpls)
	}
}
