package action

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/handoff-dev/handoff/pkg/fsutil"
)

// Field checks. Validation of files, the configure wizard (as the user
// types) and command flags all call these, so that one rule set decides
// everywhere. Each returns nil or a *FieldError whose message says why and
// what to do. The regular expressions below are also the patterns of the JSON
// Schema (docs/action.schema.json); a test holds the two together.

// Limits of the action file.
const (
	NameMaxLen    = 64
	IntentMinWord = 4
	IntentMaxLen  = 1000 // characters; the intent becomes an MCP tool description
	TextMaxLen    = 200  // team, bot_name, account
	EmailMaxLen   = 254
)

// Patterns shared with the JSON Schema. They use only syntax that Go's
// regexp and ECMAScript (editors) read the same way: no \s, \S or \w, whose
// meaning differs (blank is spelled out as BlankClass, see blank.go); \b only
// between ASCII letters, where both engines agree.
const (
	NamePattern        = `^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`
	IntentWordsPattern = "^[" + BlankClass + "]*[^" + BlankClass + "]+([" + BlankClass + "]+[^" + BlankClass + "]+){3}"
	// PlaceholderPattern matches text that was left as a template.
	PlaceholderPattern = `\b([Tt][Oo][Dd][Oo]|[Tt][Bb][Dd]|[Ff][Ii][Xx][Mm][Ee]|[Xx]{3,}|[Ll][Oo][Rr][Ee][Mm] [Ii][Pp][Ss][Uu][Mm]|[Cc][Hh][Aa][Nn][Gg][Ee][Mm][Ee]|[Pp][Ll][Aa][Cc][Ee][Hh][Oo][Ll][Dd][Ee][Rr])\b|<[^<>]*>|\{\{[^{}]*\}\}`
	NonBlankPattern    = "[^" + BlankClass + "]"
	EmailPattern       = `^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`
	BotIDPattern       = `^[0-9a-fA-F]{24}$`
	// SecretValuePattern matches a JWT (Wati tokens are JWTs) or a bearer
	// credential anywhere in a string.
	SecretValuePattern = `eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[Bb][Ee][Aa][Rr][Ee][Rr][` + BlankClass + `]+[A-Za-z0-9._~+/=-]{20,}`
)

var (
	nameRe        = lazyRegexp(NamePattern)
	intentWordsRe = lazyRegexp(IntentWordsPattern)
	placeholderRe = lazyRegexp(PlaceholderPattern)
	nonBlankRe    = lazyRegexp(NonBlankPattern)
	emailRe       = lazyRegexp(EmailPattern)
	botIDRe       = lazyRegexp(BotIDPattern)
	secretValueRe = lazyRegexp(SecretValuePattern)
)

// Rule ids, as shown in diagnostics ("[rule]").
const (
	RuleReadError       = "read-error"
	RuleTooLarge        = "file-too-large"
	RuleBinary          = "binary-file"
	RuleEncoding        = "encoding"
	RuleSyntax          = "yaml-syntax"
	RuleEmpty           = "empty-file"
	RuleMultiDoc        = "multiple-documents"
	RuleAliasLimit      = "alias-limit"
	RuleDuplicateKey    = "duplicate-key"
	RuleUnknownField    = "unknown-field"
	RuleRequired        = "required"
	RuleType            = "type"
	RuleVersion         = "version"
	RuleNameFormat      = "name-format"
	RuleNameMatchesFile = "name-matches-file"
	RuleIntentSpecific  = "intent-specific"
	RuleLength          = "field-length"
	RuleAccountFormat   = "account-format"
	RuleAccountKnown    = "account-known"
	RuleAssigneeType    = "assignee-type"
	RuleAssigneeField   = "assignee-field"
	RuleTeamName        = "team-name"
	RuleUserEmail       = "user-email"
	RuleBotID           = "bot-id"
	RuleBotName         = "bot-name"
	RuleNoSecrets       = "no-secrets"
	RuleSecretInComment = "secret-in-comment"
	RuleDuplicateName   = "duplicate-name"
	// RuleDirectoryKnown: the names are in the cached directory (validate
	// and assign --dry-run check it offline; a warning).
	RuleDirectoryKnown = "directory-known"
)

// RuleDescriptions say in one line what each rule checks (SARIF, docs).
var RuleDescriptions = map[string]string{
	RuleReadError:       "The file can be read.",
	RuleTooLarge:        "An action file is at most 1 MiB.",
	RuleBinary:          "An action file is text, not binary.",
	RuleEncoding:        "An action file is UTF-8.",
	RuleSyntax:          "An action file is valid YAML.",
	RuleEmpty:           "An action file is not empty.",
	RuleMultiDoc:        "An action file holds one YAML document.",
	RuleAliasLimit:      "YAML aliases do not refer to themselves or expand past a small bound.",
	RuleDuplicateKey:    "No key is set twice.",
	RuleUnknownField:    "Only the fields of the action format are used.",
	RuleRequired:        "Required fields are present: version, name, intent, account, assignee.type, and the assignee's own field.",
	RuleType:            "Each field has the right type (text, number, boolean, mapping).",
	RuleVersion:         "version is 1.",
	RuleNameFormat:      "name is a lower-case slug: a-z, 0-9 and '-', 1 to 64 characters, not a Windows device name (con, nul, com1...).",
	RuleNameMatchesFile: "name equals the file name without .yaml or .yml.",
	RuleIntentSpecific:  "intent says in at least four words when to hand over, with no placeholder.",
	RuleLength:          "Text fields stay within their length limits.",
	RuleAccountFormat:   "account is not blank.",
	RuleAccountKnown:    "account is one of the accounts configured on this machine.",
	RuleAssigneeType:    "assignee.type is team, user or bot.",
	RuleAssigneeField:   "The assignee has only the fields of its type.",
	RuleTeamName:        "A team assignee names a Wati team.",
	RuleUserEmail:       "A user assignee has a valid email address.",
	RuleBotID:           "A bot_id is a Wati chatbot id: 24 hexadecimal characters.",
	RuleBotName:         "A bot_name, when given, is not blank.",
	RuleNoSecrets:       "No token, password or secret appears in an action file.",
	RuleSecretInComment: "No token appears in a comment.",
	RuleDuplicateName:   "No two files in a folder define the same action name.",
	RuleDirectoryKnown:  "Team, user and bot names are in the account's cached directory (a warning: the cache may be stale).",
}

// FieldError is why one field value is not acceptable.
type FieldError struct {
	Field  string // "name", "intent", "assignee.email", ...
	Rule   string // rule id
	Reason string // human sentence: what is wrong and what to do
}

func (e *FieldError) Error() string { return e.Reason }

func fieldErr(field, rule, format string, a ...any) *FieldError {
	return &FieldError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, a...)}
}

// secretHint says where secrets belong instead.
const secretHint = "tokens never go in action files: use `handoff account add NAME --with-token` or the HANDOFF_TOKEN_<ACCOUNT> environment variable"

// LooksLikeSecret reports whether s contains a JWT- or bearer-looking value.
func LooksLikeSecret(s string) bool {
	// Cheap test first: every match holds "eyJ" or "bearer" in some case.
	if !strings.Contains(s, "eyJ") && !containsFold(s, "bearer") {
		return false
	}
	return secretValueRe().MatchString(s)
}

// containsFold reports whether s contains the lower-case ASCII word in any
// ASCII case, without allocating.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for ; j < len(word); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				break
			}
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// placeholderWords are what every PlaceholderPattern match contains
// (lower-cased), so that the regexp only runs when one is present.
var placeholderWords = []string{"todo", "tbd", "fixme", "xxx", "lorem", "changeme", "placeholder", "<", "{{"}

func findPlaceholder(s string) string {
	for _, w := range placeholderWords {
		if containsFold(s, w) {
			return placeholderRe().FindString(s)
		}
	}
	return ""
}

// hasWords reports whether s holds at least n words (runs of characters
// that are not blank): what IntentWordsPattern matches, without the regexp.
func hasWords(s string, n int) bool {
	runs, in := 0, false
	for _, r := range s {
		if IsBlankRune(r) {
			in = false
			continue
		}
		if !in {
			runs++
			if runs >= n {
				return true
			}
		}
		in = true
	}
	return false
}

func checkSecret(field, s string) error {
	if LooksLikeSecret(s) {
		return fieldErr(field, RuleNoSecrets, "%s contains what looks like a token: %s", field, secretHint)
	}
	return nil
}

func checkLen(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(field, RuleLength, "%s is %d characters long; the limit is %d", field, n, max)
	}
	return nil
}

// CheckName checks an action name: a lower-case slug of a-z, 0-9 and "-",
// 1 to 64 characters, starting and ending with a letter or digit.
func CheckName(s string) error {
	if err := checkSecret("name", s); err != nil {
		return err
	}
	if nameRe().MatchString(s) {
		if fsutil.IsReservedName(s) {
			return fieldErr("name", RuleNameFormat, "name %q is a device name on Windows (con, prn, aux, nul, com0-9, lpt0-9), where %s.yaml cannot be a file: use another, such as %s-team", s, s, s)
		}
		return nil
	}
	switch {
	case IsBlank(s):
		return fieldErr("name", RuleNameFormat, "name is empty: use a lower-case slug such as escalate-billing")
	case utf8.RuneCountInString(s) > NameMaxLen:
		return fieldErr("name", RuleNameFormat, "name is %d characters long; the limit is %d", utf8.RuneCountInString(s), NameMaxLen)
	case strings.ToLower(s) != s && nameRe().MatchString(strings.ToLower(s)):
		return fieldErr("name", RuleNameFormat, "name %q has upper-case letters: use %q", s, strings.ToLower(s))
	case strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-"):
		return fieldErr("name", RuleNameFormat, "name %q starts or ends with \"-\": start and end with a letter or digit", s)
	default:
		// Suggest a slug only when it is a valid name ("Bad Name" → "bad-name").
		if slug := Slugify(s); slug != "" && nameRe().MatchString(slug) {
			return fieldErr("name", RuleNameFormat, "name %q may hold only a-z, 0-9 and \"-\": use %q", s, slug)
		}
		return fieldErr("name", RuleNameFormat, "name %q may hold only a-z, 0-9 and \"-\" (a slug such as escalate-billing)", s)
	}
}

// Slugify turns free text into a name that passes CheckName, or "" when
// nothing usable is left ("Escalate Billing!" → "escalate-billing").
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= NameMaxLen {
				break
			}
			continue
		}
		dash = true
	}
	return strings.TrimRight(b.String(), "-")
}

// CheckIntent checks that an intent can guide an AI agent: at least four
// words, no template placeholder, at most 1000 characters, no token.
func CheckIntent(s string) error {
	if err := checkSecret("intent", s); err != nil {
		return err
	}
	if IsBlank(s) {
		return fieldErr("intent", RuleIntentSpecific, "intent is empty: say in a sentence when the AI agent should hand the conversation over")
	}
	if m := findPlaceholder(s); m != "" {
		return fieldErr("intent", RuleIntentSpecific, "intent contains the placeholder %q: replace it with when the AI agent should hand the conversation over", m)
	}
	if !hasWords(s, IntentMinWord) {
		return fieldErr("intent", RuleIntentSpecific,
			"intent %q is too vague to guide an agent: write at least %d words saying when to hand over (e.g. \"The customer disputes a charge or asks for a refund\")",
			strings.TrimSpace(s), IntentMinWord)
	}
	return checkLen("intent", s, IntentMaxLen)
}

// CheckAccount checks the form of an account name (not whether it is
// configured: see CheckAccountKnown).
func CheckAccount(s string) error {
	if err := checkSecret("account", s); err != nil {
		return err
	}
	if !nonBlankRe().MatchString(s) {
		return fieldErr("account", RuleAccountFormat, "account is empty: name a connected account (see handoff account list)")
	}
	return checkLen("account", s, TextMaxLen)
}

// CheckAccountKnown checks that account is one of known. A nil or empty
// known means no account is configured here, which is not an error.
func CheckAccountKnown(s string, known []string) error {
	if len(known) == 0 || LooksLikeSecret(s) {
		return nil
	}
	for _, k := range known {
		if k == s {
			return nil
		}
	}
	return fieldErr("account", RuleAccountKnown, "account %q is not configured here (configured: %s): add it with handoff account add %s --endpoint URL",
		s, strings.Join(known, ", "), s)
}

// CheckAssigneeType checks that t is team, user or bot.
func CheckAssigneeType(t string) error {
	if err := checkSecret("assignee.type", t); err != nil {
		return err
	}
	switch AssigneeType(t) {
	case Team, User, Bot:
		return nil
	}
	return fieldErr("assignee.type", RuleAssigneeType, "assignee type %q is not one of team, user, bot", t)
}

// CheckTeam checks a Wati team name: not blank, at most 200 characters.
func CheckTeam(s string) error {
	if err := checkSecret("assignee.team", s); err != nil {
		return err
	}
	if !nonBlankRe().MatchString(s) {
		return fieldErr("assignee.team", RuleTeamName, "team is empty: give the Wati team name, as it appears in Wati (e.g. Billing)")
	}
	return checkLen("assignee.team", s, TextMaxLen)
}

// CheckEmail checks a Wati user's (operator's) email address.
func CheckEmail(s string) error {
	if err := checkSecret("assignee.email", s); err != nil {
		return err
	}
	if IsBlank(s) {
		return fieldErr("assignee.email", RuleUserEmail, "email is empty: give the email address the operator signs in to Wati with")
	}
	if err := checkLen("assignee.email", s, EmailMaxLen); err != nil {
		return err
	}
	if !emailRe().MatchString(s) {
		return fieldErr("assignee.email", RuleUserEmail, "%q is not an email address (expected something like maria@acme.com, without a name or spaces)", s)
	}
	return nil
}

// CheckBotID checks a Wati chatbot id: 24 hexadecimal characters.
// An empty id is not checked here: it means "the bot operator".
func CheckBotID(s string) error {
	if err := checkSecret("assignee.bot_id", s); err != nil {
		return err
	}
	if botIDRe().MatchString(s) {
		return nil
	}
	return fieldErr("assignee.bot_id", RuleBotID,
		"bot_id %q is not a Wati chatbot id (24 hexadecimal characters, such as 607f1f77bcf86cd799439011); leave it out to hand over to the bot operator", s)
}

// CheckBotName checks an optional chatbot name, when given.
func CheckBotName(s string) error {
	if err := checkSecret("assignee.bot_name", s); err != nil {
		return err
	}
	if !nonBlankRe().MatchString(s) {
		return fieldErr("assignee.bot_name", RuleBotName, "bot_name is blank: give the chatbot's name or leave the field out")
	}
	return checkLen("assignee.bot_name", s, TextMaxLen)
}

// CheckAssignee checks an assignee as a whole: its type and the fields that
// type needs (team: team; user: email; bot: optional bot_id and bot_name).
func CheckAssignee(a Assignee) error {
	if err := CheckAssigneeType(string(a.Type)); err != nil {
		return err
	}
	switch a.Type {
	case Team:
		if err := CheckTeam(a.Team); err != nil {
			return err
		}
	case User:
		if err := CheckEmail(a.Email); err != nil {
			return err
		}
	case Bot:
		if a.BotID != "" {
			if err := CheckBotID(a.BotID); err != nil {
				return err
			}
		}
		if a.BotName != "" {
			if err := CheckBotName(a.BotName); err != nil {
				return err
			}
		}
	}
	for _, f := range foreignFields(a) {
		return fieldErr("assignee."+f, RuleAssigneeField, "%s does not belong to a %s assignee: remove it", f, a.Type)
	}
	return nil
}

// foreignFields lists the set fields that the assignee's type does not take.
func foreignFields(a Assignee) []string {
	var out []string
	if a.Type != Team && a.Team != "" {
		out = append(out, "team")
	}
	if a.Type != User && a.Email != "" {
		out = append(out, "email")
	}
	if a.Type != Bot && a.BotID != "" {
		out = append(out, "bot_id")
	}
	if a.Type != Bot && a.BotName != "" {
		out = append(out, "bot_name")
	}
	if a.Type != Team && a.KeepTeams {
		out = append(out, "keep_teams")
	}
	return out
}

// Check checks a whole action the way validation does, without file
// concerns (positions, file name, configured accounts).
func (a *Action) Check() error {
	if a.Version != 1 {
		return fieldErr("version", RuleVersion, "version is %d; this handoff reads version 1", a.Version)
	}
	if err := CheckName(a.Name); err != nil {
		return err
	}
	if err := CheckIntent(a.Intent); err != nil {
		return err
	}
	if err := CheckAccount(a.Account); err != nil {
		return err
	}
	return CheckAssignee(a.Assignee)
}

// lazyRegexp compiles on first use, so that start-up (handoff --version)
// does not pay for patterns a command never uses.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
