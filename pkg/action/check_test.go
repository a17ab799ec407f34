package action

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	good := []string{"a", "escalate-billing", "x1", "a-b-c", "0day", strings.Repeat("a", 64), "con-team", "com10", "nuls", "lpt"}
	bad := map[string]string{
		"":                      "empty",
		"Escalate":              "upper-case",
		"-billing":              "starts or ends",
		"billing-":              "starts or ends",
		"bill ing":              "only a-z",
		"bill_ing":              "only a-z",
		"billing.yaml":          "only a-z",
		strings.Repeat("a", 65): "limit is 64",
		"café":                  "only a-z",
		// Windows devices: nul.yaml is the null device there, not a file
		"con":  "device name on Windows",
		"nul":  "device name on Windows",
		"aux":  "use another, such as aux-team",
		"com1": "device name on Windows",
		"lpt9": "device name on Windows",
	}
	for _, s := range good {
		if err := CheckName(s); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", s, err)
		}
	}
	for s, want := range bad {
		err := CheckName(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckName(%q) = %v, want error containing %q", s, err, want)
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Rule != RuleNameFormat || fe.Field != "name" {
			t.Errorf("CheckName(%q): not a name-format FieldError: %#v", s, err)
		}
	}
}

// A suggested name must itself be valid: "Bad Name" used to suggest
// "bad name", which CheckName rejects again.
func TestCheckNameSuggestionIsValid(t *testing.T) {
	for in, want := range map[string]string{
		"Escalate":         `use "escalate"`,
		"Bad Name":         `use "bad-name"`,
		"bill_ing":         `use "bill-ing"`,
		"Escalate Billing": `use "escalate-billing"`,
	} {
		err := CheckName(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckName(%q) = %v, want it to suggest %s", in, err, want)
			continue
		}
		slug := err.Error()[strings.LastIndex(err.Error(), "use ")+len(`use "`):]
		slug = strings.TrimSuffix(slug, `"`)
		if cerr := CheckName(slug); cerr != nil {
			t.Errorf("CheckName(%q) suggests %q, which is invalid: %v", in, slug, cerr)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Escalate Billing!": "escalate-billing",
		"  --a__b  ":        "a-b",
		"!!!":               "",
		"Returns flow 2":    "returns-flow-2",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got := Slugify(in); got != "" && CheckName(got) != nil {
			t.Errorf("Slugify(%q) = %q fails CheckName", in, got)
		}
	}
	if got := Slugify(strings.Repeat("ab ", 50)); CheckName(got) != nil {
		t.Errorf("long slug %q fails CheckName: %v", got, CheckName(got))
	}
}

func TestCheckIntent(t *testing.T) {
	good := []string{
		"The customer disputes a charge or asks for a refund.",
		"Customer asks for human",
		"  four words are here  ",
	}
	bad := map[string]string{
		"":                                       "empty",
		"   ":                                    "empty",
		"billing":                                "too vague",
		"asks for refund":                        "too vague",
		"TODO: write when to hand off":           "placeholder \"TODO\"",
		"hand off when <describe the situation>": "placeholder \"<describe the situation>\"",
		"The customer says {{phrase}} to us":     "placeholder",
		"lorem ipsum dolor sit amet":             "placeholder",
		strings.Repeat("word ", 201):             "limit is 1000",
		"send it with Bearer abcdefghijklmnopqrstuvwxyz0123":              "looks like a token",
		"use eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig please": "looks like a token",
	}
	for _, s := range good {
		if err := CheckIntent(s); err != nil {
			t.Errorf("CheckIntent(%q) = %v, want nil", s, err)
		}
	}
	for s, want := range bad {
		if err := CheckIntent(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckIntent(%.40q) = %v, want error containing %q", s, err, want)
		}
	}
	// "todo" inside a word is not a placeholder.
	if err := CheckIntent("The customer asks about a todolist export bug"); err != nil {
		t.Errorf("todolist: %v", err)
	}
}

func TestCheckEmail(t *testing.T) {
	for _, s := range []string{"maria@acme.com", "a.b+c@sub.example.co", "o'neil@x.io"} {
		if err := CheckEmail(s); err != nil {
			t.Errorf("CheckEmail(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "maria", "maria@acme", "Maria <maria@acme.com>", "a b@c.com", "a@@b.com", "a@-b.com", "@acme.com"} {
		if err := CheckEmail(s); err == nil {
			t.Errorf("CheckEmail(%q) = nil, want error", s)
		}
	}
}

func TestCheckBotIDAndName(t *testing.T) {
	if err := CheckBotID("607f1f77bcf86cd799439011"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "607f1f77bcf86cd79943901", "607f1f77bcf86cd7994390111", "607f1f77bcf86cd79943901g"} {
		if err := CheckBotID(s); err == nil || !strings.Contains(err.Error(), "24 hexadecimal") {
			t.Errorf("CheckBotID(%q) = %v", s, err)
		}
	}
	if err := CheckBotName("Returns flow"); err != nil {
		t.Error(err)
	}
	if err := CheckBotName("  "); err == nil {
		t.Error("blank bot name accepted")
	}
}

func TestCheckAccountAndTeam(t *testing.T) {
	if err := CheckAccount("acme-prod"); err != nil {
		t.Error(err)
	}
	if err := CheckAccount(" "); err == nil {
		t.Error("blank account accepted")
	}
	if err := CheckAccountKnown("acme", nil); err != nil {
		t.Errorf("no accounts configured must not be an error: %v", err)
	}
	err := CheckAccountKnown("acme", []string{"sandbox", "prod"})
	if err == nil || !strings.Contains(err.Error(), "sandbox, prod") {
		t.Errorf("unknown account: %v", err)
	}
	if err := CheckAccountKnown("prod", []string{"sandbox", "prod"}); err != nil {
		t.Error(err)
	}
	if err := CheckTeam("Billing"); err != nil {
		t.Error(err)
	}
	if err := CheckTeam(""); err == nil {
		t.Error("empty team accepted")
	}
}

func TestCheckAssignee(t *testing.T) {
	ok := []Assignee{
		{Type: Team, Team: "Billing"},
		{Type: Team, Team: "Billing", KeepTeams: true},
		{Type: User, Email: "maria@acme.com"},
		{Type: Bot},
		{Type: Bot, BotID: "607f1f77bcf86cd799439011", BotName: "Returns flow"},
	}
	for _, a := range ok {
		if err := CheckAssignee(a); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
	bad := map[string]Assignee{
		"not one of team, user, bot": {Type: "group"},
		"team is empty":              {Type: Team},
		"email does not belong":      {Type: Team, Team: "B", Email: "a@b.co"},
		"keep_teams does not belong": {Type: User, Email: "a@b.co", KeepTeams: true},
		"team does not belong":       {Type: Bot, Team: "B"},
		"not a Wati chatbot id":      {Type: Bot, BotID: "42"},
	}
	for want, a := range bad {
		if err := CheckAssignee(a); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", a, err, want)
		}
	}
}

// TestChecksNeverEchoSecrets: whatever field a token is pasted into, the
// reason names the problem without repeating the token.
func TestChecksNeverEchoSecrets(t *testing.T) {
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
	for name, check := range map[string]func(string) error{
		"name": CheckName, "intent": CheckIntent, "account": CheckAccount, "team": CheckTeam,
		"email": CheckEmail, "bot_id": CheckBotID, "bot_name": CheckBotName, "type": CheckAssigneeType,
	} {
		for _, v := range []string{tok, "Bearer " + tok[:30], "x " + tok + " y"} {
			err := check(v)
			if err == nil {
				t.Errorf("%s accepted a token", name)
				continue
			}
			if strings.Contains(err.Error(), tok[:20]) {
				t.Errorf("%s: message repeats the token: %v", name, err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Rule != RuleNoSecrets {
				t.Errorf("%s: rule = %v, want %s", name, err, RuleNoSecrets)
			}
		}
	}
}
