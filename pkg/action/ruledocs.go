package action

// RuleDoc is the documentation of one rule: the row of the rules table in
// docs/validate.md (a test holds the two equal), in markdown. SARIF carries
// it as each rule's fullDescription and help.
type RuleDoc struct {
	Checks string // what the rule checks
	Fix    string // how to fix a file that breaks it
}

// RuleDocs documents every rule of RuleDescriptions.
var RuleDocs = map[string]RuleDoc{
	RuleReadError: {
		Checks: "the file (or a subfolder) can be read",
		Fix:    "check the path and its permissions (`ls -l`); a path that cannot be read makes `validate` exit 3",
	},
	RuleTooLarge: {
		Checks: "at most 1 MiB",
		Fix:    "an action is a few lines: check that the right file is named, or split it",
	},
	RuleBinary: {
		Checks: "no NUL byte",
		Fix:    "name only YAML action files; save the file as text",
	},
	RuleEncoding: {
		Checks: "UTF-8 (a UTF-8 byte-order mark is fine; UTF-16 is refused)",
		Fix:    "save the file as UTF-8 (in VS Code: \"Save with Encoding\")",
	},
	RuleSyntax: {
		Checks: "valid YAML (the line comes from the YAML parser)",
		Fix:    "fix the YAML at the line given: indentation, a missing `:` or an unclosed quote or bracket",
	},
	RuleEmpty: {
		Checks: "not empty or comments only",
		Fix:    "fill it in (`handoff configure NAME` writes one) or delete it",
	},
	RuleMultiDoc: {
		Checks: "one YAML document (no second `---`)",
		Fix:    "keep one action per file: move each document after `---` to its own NAME.yaml",
	},
	RuleAliasLimit: {
		Checks: "aliases add at most 1000 nodes and never refer to their own anchor",
		Fix:    "write the values out instead of using YAML anchors and aliases",
	},
	RuleDuplicateKey: {
		Checks: "no key set twice",
		Fix:    "keep one of the two keys: the value of the first would be lost",
	},
	RuleUnknownField: {
		Checks: "only the fields of the format (with \"did you mean ...?\")",
		Fix:    "remove the field or correct its spelling; see `handoff schema` for the format",
	},
	RuleRequired: {
		Checks: "`version`, `name`, `intent`, `account`, `assignee`, `assignee.type`; `team` for a team, `email` for a user",
		Fix:    "add the field; `handoff configure NAME` asks for each one",
	},
	RuleType: {
		Checks: "text is text (`team: 42` must be quoted), `version` a number, `keep_teams` a boolean, `assignee` a mapping",
		Fix:    "quote text that YAML reads as a number or a date, write `version: 1` and `keep_teams: true` or `false`",
	},
	RuleVersion: {
		Checks: "`version: 1`",
		Fix:    "set `version: 1`",
	},
	RuleNameFormat: {
		Checks: "lower-case slug `a-z 0-9 -`, 1–64 characters, letter or digit at both ends",
		Fix:    "use the suggested slug, such as `escalate-billing`",
	},
	RuleNameMatchesFile: {
		Checks: "`name` equals the file name without `.yaml`/`.yml` (not for stdin)",
		Fix:    "rename the file to NAME.yaml, or change `name` to the file name",
	},
	RuleDirectoryKnown: {
		Checks: "the team, user or chatbot (assignee and fallbacks) is in the account's directory cached on this machine (`handoff directory sync`, declared entries), when there is one; a **warning** with did-you-mean, since the cache may be stale",
		Fix:    "correct the name (the message suggests the near one), or refresh the cache with `handoff directory sync`, or declare it with `handoff directory add`",
	},
	RuleDuplicateName: {
		Checks: "no two files in one folder define the same name (`x.yaml` and `x.yml`)",
		Fix:    "give each action its own name, or delete one of the two files",
	},
	RuleIntentSpecific: {
		Checks: "at least 4 words; no placeholder (`TODO`, `TBD`, `FIXME`, `XXX`, `lorem ipsum`, `changeme`, `placeholder`, `<...>`, `{{...}}`)",
		Fix:    "say in a sentence when the AI agent should hand over: \"The customer disputes a charge or asks for a refund.\"",
	},
	RuleLength: {
		Checks: "intent ≤ 1000 characters; team, bot_name, account ≤ 200; email ≤ 254",
		Fix:    "shorten the value to the limit",
	},
	RuleAccountFormat: {
		Checks: "`account` is not blank",
		Fix:    "name a connected account (see `handoff account list`)",
	},
	RuleAccountKnown: {
		Checks: "`account` is one of the accounts in config.yaml; a **warning** when no account is configured on this machine (it could not be checked)",
		Fix:    "add the account with `handoff account add NAME --endpoint URL`, or give CI a `config.yaml` that lists it (no token needed)",
	},
	RuleAssigneeType: {
		Checks: "`team`, `user` or `bot`",
		Fix:    "set `type` to `team`, `user` or `bot`",
	},
	RuleAssigneeField: {
		Checks: "no field of another type (`email` on a team, `keep_teams` on a bot, ...)",
		Fix:    "remove the fields that belong to another type, or change `type`",
	},
	RuleTeamName: {
		Checks: "a team assignee's `team` is not blank",
		Fix:    "give the team name as it appears in Wati (e.g. `Billing`)",
	},
	RuleUserEmail: {
		Checks: "a user assignee's `email` is an address (`maria@acme.com`, no display name)",
		Fix:    "give the address the operator signs in to Wati with, such as `maria@acme.com`",
	},
	RuleBotID: {
		Checks: "`bot_id`, when given, is 24 hexadecimal characters",
		Fix:    "copy the chatbot id from Wati (`handoff directory list --type bot`), or leave `bot_id` out for the bot operator",
	},
	RuleBotName: {
		Checks: "`bot_name`, when given, is not blank",
		Fix:    "give the chatbot's name or leave `bot_name` out",
	},
	RuleNoSecrets: {
		Checks: "no key naming a credential (`token`, `password`, `secret`, `authorization`, `api_key`, ...) and no JWT- or `Bearer`-looking value anywhere; the message never repeats the value",
		Fix:    "remove the value: tokens go in `handoff account add NAME --with-token` or `HANDOFF_TOKEN_<ACCOUNT>`",
	},
	RuleSecretInComment: {
		Checks: "no token in a comment either",
		Fix:    "remove the comment, and rotate the token if the file was shared",
	},
	RuleMessage: {
		Checks: "`message` has a `text` and/or a `template`; `text` is not blank and at most 4096 characters",
		Fix:    "write what the customer is told in `text`, name an approved template under `template`, or leave `message` out",
	},
	RuleTemplate: {
		Checks: "`message.template.name` is a WhatsApp template name: lower-case letters, digits and `_`",
		Fix:    "copy the name from Wati's template list; `handoff validate --online` checks that it exists and is approved",
	},
	RuleParamName: {
		Checks: "`context` and `message.template.params` names are letters, digits and `_` (1–64), each once, at most 20; `context` is not empty",
		Fix:    "rename the parameter (such as `handoff_reason`), or remove the duplicate",
	},
	RulePlaceholder: {
		Checks: "every `{{...}}` in `message` and `context` is one of `{{name}}`, `{{reason}}`, `{{summary}}`, `{{action}}`, `{{assignee}}`, `{{target}}`, `{{now}}` (the column points at it)",
		Fix:    "correct the placeholder's spelling (the message suggests one), or write the text out",
	},
	RuleStatus: {
		Checks: "`status` is `open` or `pending`",
		Fix:    "use `open` or `pending`, or leave `status` out to leave the conversation's status alone",
	},
	RuleFallback: {
		Checks: "`fallback` is a list of 1 to 5 assignees, each checked as `assignee` is",
		Fix:    "list further assignees (`- {type: team, team: Support}`), or leave `fallback` out",
	},
	RuleFallbackDuplicate: {
		Checks: "no fallback repeats the assignee or another fallback",
		Fix:    "remove the repeated assignee, or name another one",
	},
}
