// Package action is the handoff action model: the file format (version 1),
// loading with positions, validation, the JSON Schema and the file store.
// It never prints.
package action

// AssigneeType is who takes the conversation.
type AssigneeType string

const (
	Team AssigneeType = "team"
	User AssigneeType = "user"
	Bot  AssigneeType = "bot"
)

// Action is one handoff action, as saved in NAME.yaml.
type Action struct {
	Version  int      `yaml:"version" json:"version"`
	Name     string   `yaml:"name" json:"name"`
	Intent   string   `yaml:"intent" json:"intent"`
	Account  string   `yaml:"account" json:"account"`
	Assignee Assignee `yaml:"assignee" json:"assignee"`

	// The optional sections (fallback, status, context, message); nil when
	// the file has none. See extras.go.
	*Extras `yaml:",inline" json:",omitempty"`
}

// Assignee is the team, user or bot that takes the conversation.
type Assignee struct {
	Type      AssigneeType `yaml:"type" json:"type"`
	Team      string       `yaml:"team,omitempty" json:"team,omitempty"`
	Email     string       `yaml:"email,omitempty" json:"email,omitempty"`
	BotID     string       `yaml:"bot_id,omitempty" json:"bot_id,omitempty"`
	BotName   string       `yaml:"bot_name,omitempty" json:"bot_name,omitempty"`
	KeepTeams bool         `yaml:"keep_teams,omitempty" json:"keep_teams,omitempty"`
}

// Describe names the assignee for people: "the Billing team",
// "maria@acme.com", "chatbot Returns flow (607f…)", "the bot operator".
func (a Assignee) Describe() string {
	switch a.Type {
	case Team:
		return "the " + a.Team + " team"
	case User:
		return a.Email
	case Bot:
		switch {
		case a.BotID != "" && a.BotName != "":
			return "chatbot " + a.BotName + " (" + a.BotID + ")"
		case a.BotID != "":
			return "chatbot " + a.BotID
		default:
			return "the bot operator"
		}
	}
	return string(a.Type)
}
