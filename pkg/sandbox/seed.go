package sandbox

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultSeedYAML is the default workspace (configs/sandbox.yaml).
//
//go:embed sandbox.yaml
var DefaultSeedYAML []byte

// Seed is a workspace as written in a seed file.
type Seed struct {
	Teams     []string       `yaml:"teams"`
	Operators []SeedOperator `yaml:"operators"`
	Chatbots  []SeedChatbot  `yaml:"chatbots"`
	Channels  []SeedChannel  `yaml:"channels"`
	Tokens    []SeedToken    `yaml:"tokens"`
	Contacts  []SeedContact  `yaml:"contacts"`
	Templates []SeedTemplate `yaml:"templates"`
}

type SeedOperator struct {
	Email string `yaml:"email"`
	Name  string `yaml:"name"`
}

type SeedChatbot struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Created string `yaml:"created"`
	// RequiresPlan, when set, makes starting it a 403 naming that plan
	// (Wati's chatbot routes are "Pro plan").
	RequiresPlan string `yaml:"requires_plan"`
}

type SeedChannel struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Number string `yaml:"number"`
	// Default marks the workspace's default channel (the number it was
	// created with), which GET channels does not list, as Wati's does not.
	// When no channel is marked, the first one is the default.
	Default bool `yaml:"default"`
}

type SeedToken struct {
	Token  string   `yaml:"token"`
	Scopes []string `yaml:"scopes"`
}

type SeedContact struct {
	ID            string             `yaml:"id"`
	Phone         string             `yaml:"phone"`
	Name          string             `yaml:"name"`
	Teams         []string           `yaml:"teams"`
	CustomParams  []SeedParam        `yaml:"custom_params"`
	Conversations []SeedConversation `yaml:"conversations"`
}

// SeedParam is a contact's custom param (also its JSON form).
type SeedParam struct {
	Name  string `yaml:"name" json:"name"`
	Value string `yaml:"value" json:"value"`
}

type SeedConversation struct {
	ID       string        `yaml:"id"`
	Channel  string        `yaml:"channel"`
	Status   string        `yaml:"status"`
	Assignee *Assignee     `yaml:"assignee"`
	Messages []SeedMessage `yaml:"messages"`
	// Window is the 24-hour customer service window: open (default) or
	// closed (a session text is refused; a template is accepted).
	Window string `yaml:"window"`
}

type SeedMessage struct {
	Text  string `yaml:"text"`
	Owner bool   `yaml:"owner"`
}

// ParseSeed reads a seed; unknown fields are errors, with their line.
func ParseSeed(data []byte) (*Seed, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Seed
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("the seed is empty")
		}
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// LoadSeed reads a seed file.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSeed(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// DefaultSeed is the embedded default workspace.
func DefaultSeed() *Seed {
	s, err := ParseSeed(DefaultSeedYAML)
	if err != nil {
		panic("sandbox: embedded seed: " + err.Error())
	}
	return s
}

func isPhone(s string) bool {
	if len(s) < 8 || len(s) > 15 || s[0] == '0' {
		return false
	}
	return isDigits(s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Seed) check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	teams := map[string]bool{}
	for _, t := range s.Teams {
		if strings.TrimSpace(t) == "" {
			bad("teams: a team name is blank")
		}
		teams[t] = true
	}
	ops := map[string]bool{}
	for _, o := range s.Operators {
		if !strings.Contains(o.Email, "@") {
			bad("operators: %q is not an email", o.Email)
		}
		if ops[strings.ToLower(o.Email)] {
			bad("operators: %s listed twice", o.Email)
		}
		ops[strings.ToLower(o.Email)] = true
	}
	bots := map[string]bool{}
	for _, b := range s.Chatbots {
		if !isHexID(b.ID) {
			bad("chatbots: id %q is not 24 lower-case hex characters", b.ID)
		}
		if bots[b.ID] {
			bad("chatbots: id %s listed twice", b.ID)
		}
		bots[b.ID] = true
	}
	chans := map[string]bool{}
	defaults := 0
	for _, c := range s.Channels {
		if c.Default {
			defaults++
		}
		if c.Name == "" || strings.Contains(c.Name, ":") {
			bad("channels: name %q must be set and have no ':'", c.Name)
		}
		if !isPhone(c.Number) {
			bad("channels: %s: number %q is not an international phone (digits only)", c.Name, c.Number)
		}
		if c.ID != "" && !isHexID(c.ID) {
			bad("channels: %s: id %q is not 24 lower-case hex characters", c.Name, c.ID)
		}
		chans[strings.ToLower(c.Name)] = true
		chans[c.Number] = true
	}
	if defaults > 1 {
		bad("channels: %d channels are marked default, at most one may be", defaults)
	}
	for _, t := range s.Tokens {
		if strings.TrimSpace(t.Token) == "" || strings.ContainsAny(t.Token, " \t\r\n") {
			bad("tokens: a token is blank or has spaces")
		}
	}
	phones := map[string]bool{}
	convs := map[string]bool{}
	for _, c := range s.Contacts {
		if !isPhone(c.Phone) {
			bad("contacts: phone %q is not international digits (8 to 15, no leading 0, no +)", c.Phone)
		}
		if phones[c.Phone] {
			bad("contacts: %s listed twice", c.Phone)
		}
		phones[c.Phone] = true
		if c.ID != "" && !isHexID(c.ID) {
			bad("contacts: %s: id %q is not 24 lower-case hex characters", c.Phone, c.ID)
		}
		for _, t := range c.Teams {
			if !teams[t] {
				bad("contacts: %s: team %q is not in teams", c.Phone, t)
			}
		}
		for _, v := range c.Conversations {
			if !isHexID(v.ID) {
				bad("contacts: %s: conversation id %q is not 24 lower-case hex characters", c.Phone, v.ID)
			}
			if convs[v.ID] {
				bad("contacts: %s: conversation %s listed twice", c.Phone, v.ID)
			}
			convs[v.ID] = true
			if !chans[strings.ToLower(v.Channel)] {
				bad("contacts: %s: channel %q is not in channels", c.Phone, v.Channel)
			}
			switch v.Status {
			case "open", "pending", "solved", "block":
			default:
				bad("contacts: %s: status %q is not open, pending, solved or block", c.Phone, v.Status)
			}
			if a := v.Assignee; a != nil {
				switch a.Type {
				case "operator":
					if !ops[strings.ToLower(a.Email)] {
						bad("contacts: %s: assignee %q is not in operators", c.Phone, a.Email)
					}
				case "bot":
				case "chatbot":
					if !bots[a.ChatbotID] {
						bad("contacts: %s: chatbot %q is not in chatbots", c.Phone, a.ChatbotID)
					}
				default:
					bad("contacts: %s: assignee type %q is not operator, bot or chatbot", c.Phone, a.Type)
				}
			}
		}
	}
	errs = append(errs, s.checkExtras()...)
	return errors.Join(errs...)
}
