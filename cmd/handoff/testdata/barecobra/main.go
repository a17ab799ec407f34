// Command barecobra is the start-up baseline of BenchmarkStartup: a Cobra
// root command with a version and nothing else.
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	cmd := &cobra.Command{Use: "bare", Version: "dev", Run: func(*cobra.Command, []string) {}}
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
