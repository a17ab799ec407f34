package main

import (
	"fmt"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// Testscript commands for whole handoffs:
//
//	max-texts N    no conversation of the sandbox got more than N session
//	               messages or templates; prints "texts=T templates=P"
func init() {
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
