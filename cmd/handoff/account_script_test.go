package main

import (
	"os"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	// filemode PATH MODE: the file's permission bits are MODE (octal, e.g. 600).
	scriptCmds["filemode"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: filemode PATH OCTAL-MODE")
		}
		want, err := strconv.ParseUint(args[1], 8, 32)
		if err != nil {
			ts.Fatalf("filemode: bad mode %q", args[1])
		}
		fi, err := os.Stat(ts.MkAbs(args[0]))
		ts.Check(err)
		got := uint64(fi.Mode().Perm())
		if (got == want) == neg {
			ts.Fatalf("%s has mode %04o (want %s%04o)", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
		}
	}
}
