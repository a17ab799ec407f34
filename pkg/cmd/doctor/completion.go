package doctor

import (
	"os"
	"path/filepath"
	"strings"
)

// completionCheck says whether shell completion is installed for the user's
// shell ($SHELL), and how to install it when it is not.
func completionCheck(opts *Options) Check {
	env := opts.IO.Getenv
	home := env("HOME")
	data := env("XDG_DATA_HOME")
	if data == "" && home != "" {
		data = filepath.Join(home, ".local", "share")
	}
	shell := filepath.Base(env("SHELL"))
	rcMentions := func(rc string) bool {
		b, err := os.ReadFile(filepath.Join(home, rc))
		return err == nil && strings.Contains(string(b), "handoff completion")
	}
	exists := func(paths ...string) string {
		for _, p := range paths {
			if p == "" {
				continue
			}
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	}
	c := Check{Area: "completion"}
	switch shell {
	case "bash":
		framework := exists("/usr/share/bash-completion/bash_completion", "/etc/bash_completion",
			"/opt/homebrew/etc/profile.d/bash_completion.sh", "/usr/local/etc/profile.d/bash_completion.sh")
		user := filepath.Join(data, "bash-completion", "completions", "handoff")
		installed := exists("/usr/share/bash-completion/completions/handoff", "/etc/bash_completion.d/handoff", user)
		switch {
		case rcMentions(".bashrc"):
			c.Status, c.Message = OK, "bash: loaded from ~/.bashrc"
		case installed != "" && framework != "":
			c.Status, c.Message = OK, "bash: "+installed
		case framework == "":
			c.Status, c.Message = Warn, "bash: the bash-completion package is not installed, so no completion file is loaded"
			c.Fix = "Install it (apt-get install bash-completion, dnf install bash-completion, brew install bash-completion@2), then: mkdir -p " +
				filepath.Dir(user) + " && handoff completion bash > " + user
		default:
			c.Status, c.Message = Warn, "bash: handoff's completion is not installed"
			c.Fix = "Run: mkdir -p " + filepath.Dir(user) + " && handoff completion bash > " + user + " (new shells complete commands, actions and accounts)"
		}
	case "zsh":
		installed := exists("/usr/share/zsh/vendor-completions/_handoff", "/usr/share/zsh/site-functions/_handoff",
			"/usr/local/share/zsh/site-functions/_handoff", "/opt/homebrew/share/zsh/site-functions/_handoff")
		switch {
		case rcMentions(".zshrc"):
			c.Status, c.Message = OK, "zsh: loaded from ~/.zshrc"
		case installed != "":
			c.Status, c.Message = OK, "zsh: "+installed
		default:
			c.Status, c.Message = Warn, "zsh: handoff's completion is not installed"
			c.Fix = `Run: echo 'source <(handoff completion zsh)' >> ~/.zshrc (after compinit)`
		}
	case "fish":
		user := filepath.Join(home, ".config", "fish", "completions", "handoff.fish")
		if p := exists(user, "/usr/share/fish/vendor_completions.d/handoff.fish"); p != "" {
			c.Status, c.Message = OK, "fish: "+p
		} else {
			c.Status, c.Message = Warn, "fish: handoff's completion is not installed"
			c.Fix = "Run: handoff completion fish > " + user
		}
	default:
		name := shell
		if name == "" || name == "." {
			name = "unknown ($SHELL is not set)"
		}
		c.Status, c.Message = Info, "shell "+name+": see handoff completion --help (bash, zsh, fish, powershell)"
	}
	return c
}
