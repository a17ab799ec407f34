package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// Testscript commands for the assign and log scripts:
//
//	gen-targets FILE N [START]   writes N phones, 15550000000+START+i, one a line
//	wait-lines FILE PREFIX N     waits (up to 20s) until FILE has N lines starting with PREFIX
//	check-report REPORT KIND [N] checks a batch report against the sandbox's state:
//	    N lines (when given); every target reported "assigned" really is
//	    (KIND chatbot: started once; team: in Billing; operator: assigned);
//	    no chatbot started twice anywhere; a chatbot reported failed or
//	    not-sent (what the docs' re-run recipe selects) was not started.
//	    Prints "assigned=A unknown=U failed=F skipped=S not-sent=N" to stdout.
//	pause DUR                    sleeps (before a kill -INT, to let a command start)
//	max-starts N                 no contact of the sandbox has more than N chatbot starts;
//	                             prints "starts=TOTAL"
func init() {
	scriptCmds["gen-targets"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 || len(args) > 3 {
			ts.Fatalf("usage: gen-targets FILE N [START]")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		start := 0
		if len(args) == 3 {
			start, err = strconv.Atoi(args[2])
			ts.Check(err)
		}
		f, err := os.Create(ts.MkAbs(args[0]))
		ts.Check(err)
		w := bufio.NewWriter(f)
		for i := range n {
			fmt.Fprintf(w, "%d\n", 15550000000+start+i)
		}
		ts.Check(w.Flush())
		ts.Check(f.Close())
	}
	scriptCmds["wait-lines"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 3 {
			ts.Fatalf("usage: wait-lines FILE PREFIX N")
		}
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		deadline := time.Now().Add(20 * time.Second)
		for {
			data, _ := os.ReadFile(ts.MkAbs(args[0]))
			got := 0
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, args[1]) {
					got++
				}
			}
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("wait-lines: %s has %d lines starting with %q, want %d", args[0], got, args[1], n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	scriptCmds["check-report"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 || len(args) > 3 {
			ts.Fatalf("usage: check-report REPORT KIND [N]")
		}
		st := sandboxStateOf(ts)
		byPhone := map[string]sandbox.ContactState{}
		for _, c := range st.Contacts {
			byPhone[c.WaID] = c
		}
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		ts.Check(err)
		counts := map[string]int{}
		lines := 0
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if l == "" {
				continue
			}
			lines++
			var r struct {
				Target, Outcome string
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				ts.Fatalf("report line %q: %v", l, err)
			}
			counts[r.Outcome]++
			if args[1] == "chatbot" && (r.Outcome == "failed" || r.Outcome == "not-sent") && st.ChatbotStarts[r.Target] != 0 {
				ts.Fatalf("reported %s %s (safe to send again); the sandbox started its chatbot %d times", r.Target, r.Outcome, st.ChatbotStarts[r.Target])
			}
			if r.Outcome != "assigned" {
				continue
			}
			c, ok := byPhone[r.Target]
			if !ok {
				ts.Fatalf("reported %s assigned; the sandbox has no such contact", r.Target)
			}
			switch args[1] {
			case "chatbot":
				if st.ChatbotStarts[r.Target] != 1 {
					ts.Fatalf("reported %s assigned; the sandbox started its chatbot %d times", r.Target, st.ChatbotStarts[r.Target])
				}
			case "team":
				if fmt.Sprint(c.Teams) != "[Billing]" {
					ts.Fatalf("reported %s assigned; its teams are %v", r.Target, c.Teams)
				}
			case "operator":
				if len(c.Conversations) == 0 || c.Conversations[0].Assignee == nil {
					ts.Fatalf("reported %s assigned; the sandbox has no assignee", r.Target)
				}
			default:
				ts.Fatalf("check-report: kind %q is not chatbot, team or operator", args[1])
			}
		}
		for phone, n := range st.ChatbotStarts {
			if n > 1 {
				ts.Fatalf("chatbot started %d times for %s", n, phone)
			}
		}
		if len(args) == 3 {
			want, err := strconv.Atoi(args[2])
			ts.Check(err)
			if lines != want {
				ts.Fatalf("report has %d lines, want %d", lines, want)
			}
		}
		fmt.Fprintf(ts.Stdout(), "assigned=%d unknown=%d failed=%d skipped=%d not-sent=%d\n", counts["assigned"], counts["unknown"], counts["failed"], counts["skipped"], counts["not-sent"])
	}
	scriptCmds["pause"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: pause DURATION")
		}
		d, err := time.ParseDuration(args[0])
		ts.Check(err)
		time.Sleep(d)
	}
	scriptCmds["max-starts"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: max-starts N")
		}
		limit, err := strconv.Atoi(args[0])
		ts.Check(err)
		total := 0
		for phone, n := range sandboxStateOf(ts).ChatbotStarts {
			total += n
			if n > limit {
				ts.Fatalf("chatbot started %d times for %s", n, phone)
			}
		}
		fmt.Fprintf(ts.Stdout(), "starts=%d\n", total)
	}
}

func sandboxStateOf(ts *testscript.TestScript) sandbox.State {
	status, body := sandboxGet(ts, "/_sandbox/state")
	if status != 200 {
		ts.Fatalf("sandbox state: %d %s", status, body)
	}
	var st sandbox.State
	ts.Check(json.Unmarshal([]byte(body), &st))
	return st
}
