package wati

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Target is where a handoff goes: a phone (digits only, international, no
// "+"), a 24-hex conversation id, a phone on a named channel (Channel:Phone,
// Channel being the channel's name or its number), or a contact id on a
// channel (Channel:ContactId, which only chatbot starts take).
// Exactly one of Phone, ConversationID and ContactID is set; Channel only
// with Phone or ContactID (always with ContactID).
type Target struct {
	Phone, ConversationID, Channel string
	ContactID                      string // 24 hex, with Channel
}

// Use is what a route does with its target; Wati's spec lists the forms
// each route takes.
type Use int

const (
	// UseConversation: conversations/{target}/operator, /status, /messages
	// take a conversation id, a phone or Channel:Phone.
	UseConversation Use = iota
	// UseContact: contacts/{target} and contacts/teams take a contact id, a
	// phone or Channel:Phone, never a conversation id.
	UseContact
	// UseChatbot: chatbots/start takes a contact id, a phone, Channel:Phone
	// or Channel:ContactId, never a conversation id.
	UseChatbot
)

// For checks that t is a form the route takes; the error is a
// *TargetError (exit 2) that says which forms to use instead. A bare 24-hex
// target is always read as a conversation id, so contact ids are accepted
// only as Channel:ContactId, by chatbot starts.
func (t Target) For(use Use) error {
	switch {
	case t.ConversationID != "" && use == UseContact:
		return &TargetError{Input: t.String(), Reason: "a conversation id, but Wati's contact routes (team assignment, reading a contact) take the contact: its phone or Channel:Phone",
			HintText: contactHint}
	case t.ConversationID != "" && use == UseChatbot:
		return &TargetError{Input: t.String(), Reason: "a conversation id, but Wati's chatbot start takes the contact: its phone, Channel:Phone or Channel:ContactId",
			HintText: contactHint}
	case t.ContactID != "" && use != UseChatbot:
		return &TargetError{Input: t.String(), Reason: "Channel:ContactId is taken by chatbot starts only; give the phone or Channel:Phone",
			HintText: contactHint}
	}
	return nil
}

const contactHint = "Use the contact's phone (14155552671) or Channel:Phone (Support:14155552671): operator and bot-operator handoffs also take a conversation id, team and chatbot handoffs do not."

// Phone number length limits (E.164: at most 15 digits; the shortest real
// international numbers have 8).
const (
	minPhoneDigits = 8
	maxPhoneDigits = 15
	maxChannelLen  = 64
)

// ParseTarget parses and normalises a target:
//
//	"+1 (415) 555-2671"          → phone 14155552671
//	"685BD235E6119686E693A093"   → conversation id 685bd235e6119686e693a093
//	"Support:+1 415 555 2671"    → channel Support, phone 14155552671
//	"85200000000:14155552671"    → channel 85200000000, phone 14155552671
//	"Support:65b73810e2bd04aa867b5f7d" → channel Support, contact id (chatbot starts only)
//
// Anything else is a *TargetError (exit 2). A phone may start with the
// international prefix 00 instead of + ("00 1 415 555 2671"): see
// ParseTargetNote for the note that says so.
func ParseTarget(s string) (Target, error) {
	t, _, err := ParseTargetNote(s)
	return t, err
}

// ParseTargetNote is ParseTarget, plus a note for the user when the input
// was read in a way worth saying: the international prefix 00 dropped.
func ParseTargetNote(s string) (Target, string, error) {
	t, err := parseTarget(s)
	if err != nil {
		return t, "", err
	}
	note := ""
	if dropped00(s) {
		note = fmt.Sprintf("read %q as +%s: 00 is the international prefix, dropped", strings.TrimSpace(s), t.Phone)
	}
	return t, note, nil
}

// dropped00 reports whether the phone part of s starts with 00.
func dropped00(s string) bool {
	if _, ph, ok := strings.Cut(s, ":"); ok {
		s = ph
	}
	d := strings.TrimLeft(strings.TrimSpace(s), " -.()")
	return strings.HasPrefix(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, d), "00") && !strings.HasPrefix(d, "+")
}

func parseTarget(s string) (Target, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Target{}, &TargetError{Input: s, Reason: "empty"}
	}
	if !utf8.ValidString(in) {
		return Target{}, &TargetError{Input: s, Reason: "not valid UTF-8"}
	}
	if isConversationID(in) {
		return Target{ConversationID: strings.ToLower(in)}, nil
	}
	if looksLikeID(in) {
		return Target{}, &TargetError{Input: s, Reason: fmt.Sprintf("%d characters, a conversation id has 24", len(in))}
	}
	if ch, ph, ok := strings.Cut(in, ":"); ok {
		ch = strings.TrimSpace(ch)
		channel, err := parseChannel(ch)
		if err != nil {
			return Target{}, &TargetError{Input: s, Reason: err.Error()}
		}
		if id := strings.TrimSpace(ph); isConversationID(id) {
			return Target{ContactID: strings.ToLower(id), Channel: channel}, nil
		}
		phone, err := parsePhone(strings.TrimSpace(ph))
		if err != nil {
			return Target{}, &TargetError{Input: s, Reason: err.Error()}
		}
		return Target{Phone: phone, Channel: channel}, nil
	}
	phone, err := parsePhone(in)
	if err != nil {
		return Target{}, &TargetError{Input: s, Reason: err.Error()}
	}
	return Target{Phone: phone}, nil
}

// MustParseTarget is ParseTarget for constants in tests and examples.
func MustParseTarget(s string) Target {
	t, err := ParseTarget(s)
	if err != nil {
		panic(err)
	}
	return t
}

// String is the normalised form, as Wati's v3 {target} takes it.
func (t Target) String() string {
	switch {
	case t.ConversationID != "":
		return t.ConversationID
	case t.ContactID != "":
		return t.Channel + ":" + t.ContactID
	case t.Channel != "":
		return t.Channel + ":" + t.Phone
	default:
		return t.Phone
	}
}

// IsZero reports whether t is the zero Target.
func (t Target) IsZero() bool { return t == Target{} }

// IsConversation reports whether t names a conversation by id.
func (t Target) IsConversation() bool { return t.ConversationID != "" }

// PathSegment is t escaped for a v3 path ({target}).
func (t Target) PathSegment() string { return url.PathEscape(t.String()) }

// WithChannel returns t on the given channel when t is a bare phone and
// channel is set; anything else is returned unchanged.
func (t Target) WithChannel(channel string) Target {
	if channel == "" || t.Phone == "" || t.Channel != "" {
		return t
	}
	if ch, err := parseChannel(channel); err == nil {
		t.Channel = ch
	}
	return t
}

// V1Query sets the v1 query parameters that identify t: whatsappNumber for a
// phone, channelPhoneNumber for a channel given by number, and target (the
// newer v1 parameter) for a conversation id or a channel given by name.
func (t Target) V1Query(q url.Values) {
	switch {
	case t.ConversationID != "":
		q.Set("target", t.ConversationID)
	case t.ContactID != "":
		q.Set("target", t.Channel+":"+t.ContactID)
	case t.Channel != "" && isDigits(t.Channel):
		q.Set("whatsappNumber", t.Phone)
		q.Set("channelPhoneNumber", t.Channel)
	case t.Channel != "":
		q.Set("target", t.Channel+":"+t.Phone)
	default:
		q.Set("whatsappNumber", t.Phone)
	}
}

func isConversationID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// looksLikeID: hex with at least one letter, near 24 characters.
func looksLikeID(s string) bool {
	if len(s) < 16 || len(s) > 32 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			letter = true
		default:
			return false
		}
	}
	return letter
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

// parsePhone accepts a number in international form, with an optional "+"
// and the usual separators (spaces, dots, dashes, parentheses), and returns
// its digits. Length and country code are checked against libphonenumber's
// metadata (a table generated from nyaruka/phonenumbers, see phonetable.go):
// possible for its country, not necessarily assigned, so that test ranges
// such as +1 555 work.
func parsePhone(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("no phone number")
	}
	var digits strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%q is not allowed in a phone number", r)
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		// 00 is the international prefix of most countries: 00 1 415 555
		// 2671 is +1 415 555 2671.
		d = d[2:]
	}
	switch {
	case d == "":
		return "", fmt.Errorf("no digits")
	case plus && d[0] == '0':
		return "", fmt.Errorf("after +, a phone number starts with its country code, not 0 (write +44 7700 900123, not +0044 or +07700)")
	case d[0] == '0':
		return "", fmt.Errorf("a phone number starts with its country code, not 0 (write 44 7700 900123, not 07700 900123)")
	case len(d) < minPhoneDigits:
		return "", fmt.Errorf("%d digits is too short for an international number (at least %d)", len(d), minPhoneDigits)
	case len(d) > maxPhoneDigits:
		return "", fmt.Errorf("%d digits is too long for an international number (at most %d)", len(d), maxPhoneDigits)
	}
	cc, national, ok := splitCallingCode(d)
	if !ok {
		return "", fmt.Errorf("no country uses the code at the start of %s", d)
	}
	if mask := phoneLengths[cc]; mask&(1<<len(national)) == 0 {
		switch {
		case mask&^(1<<(len(national)+1)-1) == 0: // every possible length is shorter
			return "", fmt.Errorf("%s is too long for country code +%d", d, cc)
		case mask&(1<<len(national)-1) == 0: // every possible length is longer
			return "", fmt.Errorf("%s is too short for country code +%d", d, cc)
		default:
			return "", fmt.Errorf("%s has the wrong length for country code +%d", d, cc)
		}
	}
	return d, nil
}

// parseChannel checks a channel name or number. A number (digits with the
// usual separators) is normalised like a phone; a name is kept as written.
func parseChannel(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty channel before ':'")
	}
	if looksNumeric(s) {
		d, err := parsePhone(s)
		if err != nil {
			return "", fmt.Errorf("channel number: %v", err)
		}
		return d, nil
	}
	if utf8.RuneCountInString(s) > maxChannelLen {
		return "", fmt.Errorf("channel name longer than %d characters", maxChannelLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '/' || r == '?' || r == '#' || r == '%' || r == ':' {
			return "", fmt.Errorf("%q is not allowed in a channel name", r)
		}
	}
	return s, nil
}

func looksNumeric(s string) bool {
	hasDigit := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			hasDigit = true
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return false
		}
	}
	return hasDigit
}

// splitCallingCode splits digits into a country calling code and the national
// number. Calling codes are prefix-free, so at most one of the 1-, 2- and
// 3-digit prefixes is a known code.
func splitCallingCode(d string) (uint16, string, bool) {
	for n := 1; n <= 3 && n < len(d); n++ {
		v, _ := strconv.Atoi(d[:n])
		if _, ok := phoneLengths[uint16(v)]; ok {
			return uint16(v), d[n:], true
		}
	}
	return 0, "", false
}
