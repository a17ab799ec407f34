package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// SARIF 2.1.0 for code-scanning tools (GitHub code scanning and others).
//
// Paths are relative references to the base folder (--base, default the git
// work tree root, else the working directory), named SRCROOT in
// originalUriBaseIds, and percent-encoded as RFC 3986 wants (a space, '%',
// '#' or a non-ASCII letter would otherwise break the URI). A file outside
// the base gets an absolute file URI. Standard input is an artifact of the
// log, referred to with the sarif URI scheme (SARIF 2.1.0 §3.10.3). Every
// rule carries its fullDescription and help from the rule docs
// (action.RuleDocs, the table of docs/validate.md).

// sarifBaseID names the base folder in originalUriBaseIds.
const sarifBaseID = "SRCROOT"

// RulesHelpURI is where the rules are documented.
const RulesHelpURI = "https://github.com/handoff-dev/handoff/blob/main/docs/validate.md#rules"

func init() {
	extensions = append(extensions, func(cmd *cobra.Command, opts *Options) {
		cmd.Flags().StringVar(&opts.Base, "base", "", "folder that SARIF paths are relative to (default: the git work tree root, else the working directory)")
		_ = cmd.MarkFlagDirname("base")
	})
}

// sarifBase returns the absolute base folder: flag when given (it must be a
// folder), else the root of the git work tree holding the working
// directory, else the working directory.
func sarifBase(flag string) (string, error) {
	if flag != "" {
		abs, err := filepath.Abs(flag)
		if err != nil {
			return "", cmdutil.UsageError("--base %s: %v", flag, err)
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return "", cmdutil.WithHint(cmdutil.UsageError("--base %s is not a folder", flag),
				"Give the folder that SARIF paths are relative to, usually the repository root.")
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", cmdutil.Errorf(cmdutil.ExitConfig, "the working directory: %v", err)
	}
	return gitRoot(wd), nil
}

// gitRoot returns the nearest folder at or above dir that holds .git (a
// folder, or a file in a linked work tree or submodule), else dir.
func gitRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// escapePath percent-encodes a slash-separated path for a URI (RFC 3986
// §3.3): every byte but the unreserved characters, the sub-delims, '@', '/'
// and (when colon) ':' becomes %XX, so non-ASCII letters go as their UTF-8
// bytes (the IRI-to-URI mapping SARIF §3.10.4 asks for). A relative
// reference keeps no ':' (its first segment would read as a scheme).
func escapePath(p string, colon bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=@/", c) >= 0, c == ':' && colon:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// fileURI is the file URI of an absolute path ("file:///C:/x" on Windows).
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if runtime.GOOS == "windows" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + escapePath(p, true)
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Index       *int          `json:"index,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	} `json:"physicalLocation"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name,omitempty"`
	ShortDescription sarifMessage `json:"shortDescription"`
	FullDescription  sarifMessage `json:"fullDescription"`
	Help             sarifMessage `json:"help"`
	HelpURI          string       `json:"helpUri"`
}

type sarifArtifact struct {
	Location       sarifArtifactLocation `json:"location"`
	Roles          []string              `json:"roles"`
	SourceLanguage string                `json:"sourceLanguage"`
}

type sarifFormat struct{}

// plain turns the rule docs' markdown into plain text.
func plain(md string) string {
	return strings.NewReplacer("`", "", "**", "").Replace(md)
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSuffix(s, ".") + "."
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	return s
}

// sarifRuleOf describes one rule from the rule docs.
func sarifRuleOf(id string) sarifRule {
	short := action.RuleDescriptions[id]
	doc, ok := action.RuleDocs[id]
	if short == "" {
		short = id
	}
	if !ok { // a rule added by an extension, not documented yet
		doc = action.RuleDoc{Checks: short, Fix: "see the rules of handoff validate"}
	}
	full := sentence(doc.Checks)
	fix := sentence(doc.Fix)
	return sarifRule{
		ID:               id,
		Name:             id,
		ShortDescription: sarifMessage{Text: short},
		FullDescription:  sarifMessage{Text: plain(full)},
		Help: sarifMessage{
			Text:     plain(fix) + " See " + RulesHelpURI,
			Markdown: fmt.Sprintf("**%s**: %s\n\n%s\n\nSee [the rules of `handoff validate`](%s).", id, full, fix, RulesHelpURI),
		},
		HelpURI: RulesHelpURI,
	}
}

func (sarifFormat) Format(w io.Writer, r *Report) error {
	ids := make([]string, 0, len(action.RuleDescriptions))
	for id := range action.RuleDescriptions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	rules := make([]sarifRule, len(ids))
	for i, id := range ids {
		index[id] = i
		rules[i] = sarifRuleOf(id)
	}
	base := r.Base
	artifacts := []sarifArtifact{}
	stdinIndex := -1
	locate := func(file string) sarifArtifactLocation {
		if file == StdinName {
			if stdinIndex < 0 {
				stdinIndex = len(artifacts)
				artifacts = append(artifacts, sarifArtifact{
					Location: sarifArtifactLocation{URI: fmt.Sprintf("sarif:/runs/0/artifacts/%d", stdinIndex),
						Description: &sarifMessage{Text: "standard input"}},
					Roles: []string{"analysisTarget"}, SourceLanguage: "yaml",
				})
			}
			i := stdinIndex
			return sarifArtifactLocation{URI: artifacts[i].Location.URI, Index: &i}
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return sarifArtifactLocation{URI: escapePath(filepath.ToSlash(file), false)}
		}
		if base != "" {
			if rel, err := filepath.Rel(base, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return sarifArtifactLocation{URI: escapePath(filepath.ToSlash(rel), false), URIBaseID: sarifBaseID}
			}
		}
		return sarifArtifactLocation{URI: fileURI(abs)}
	}
	results := []sarifResult{}
	for _, d := range r.Diagnostics {
		if _, ok := index[d.Rule]; !ok { // a rule added by an extension
			index[d.Rule] = len(rules)
			rules = append(rules, sarifRuleOf(d.Rule))
		}
		res := sarifResult{RuleID: d.Rule, RuleIndex: index[d.Rule], Level: string(d.Severity), Message: sarifMessage{Text: d.Message}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation = locate(d.File)
		reg := sarifRegion{StartLine: max(d.Line, 1), StartColumn: max(d.Column, 1)}
		if d.EndLine >= d.Line && (d.EndLine > d.Line || d.EndColumn > d.Column) {
			reg.EndLine, reg.EndColumn = d.EndLine, d.EndColumn
		}
		loc.PhysicalLocation.Region = reg
		res.Locations = []sarifLocation{loc}
		results = append(results, res)
	}
	version := r.Version
	if version == "" {
		version = "dev"
	}
	run := map[string]any{
		"tool": map[string]any{"driver": map[string]any{
			"name":           "handoff",
			"version":        version,
			"informationUri": "https://github.com/handoff-dev/handoff",
			"rules":          rules,
		}},
		"columnKind": "unicodeCodePoints",
		"results":    results,
	}
	if base != "" {
		uri := fileURI(base)
		if !strings.HasSuffix(uri, "/") {
			uri += "/"
		}
		run["originalUriBaseIds"] = map[string]any{sarifBaseID: map[string]any{
			"uri": uri, "description": sarifMessage{Text: "The folder the paths are relative to (handoff validate --base; default the git work tree root)."}}}
	}
	if len(artifacts) > 0 {
		run["artifacts"] = artifacts
	}
	doc := struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []any  `json:"runs"`
	}{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []any{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
