package main

import (
	"bytes"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// gen-file PATH KIND: write a file that a txtar cannot hold well:
	// binary (NUL bytes), latin1 (not UTF-8), big (over 1 MiB),
	// laughs (aliases that expand to 10^12 nodes).
	scriptCmds["gen-file"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: gen-file PATH binary|latin1|big|laughs")
		}
		var data []byte
		switch args[1] {
		case "binary":
			data = []byte("version: 1\nname: \x00\x01\x02\n")
		case "latin1":
			data = []byte("version: 1\nname: caf\xe9\n")
		case "big":
			data = bytes.Repeat([]byte("# padding line\n"), (1<<20)/15+1)
		case "laughs":
			var b strings.Builder
			b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
			prev := "l0"
			for i := 1; i < 12; i++ {
				name := "l" + strings.Repeat("x", i)
				b.WriteString(name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 10), ",") + "]\n")
				prev = name
			}
			data = []byte(b.String())
		default:
			ts.Fatalf("gen-file: unknown kind %q", args[1])
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o644))
	}
}
