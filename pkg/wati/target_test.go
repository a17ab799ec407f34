package wati

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseTarget(t *testing.T) {
	ok := []struct {
		in   string
		want Target
		str  string
	}{
		{"14155552671", Target{Phone: "14155552671"}, "14155552671"},
		{"+1 (415) 555-2671", Target{Phone: "14155552671"}, "14155552671"},
		{"  +1.415.555.2671 ", Target{Phone: "14155552671"}, "14155552671"},
		{"+44 7700 900123", Target{Phone: "447700900123"}, "447700900123"},
		{"4915112345678", Target{Phone: "4915112345678"}, "4915112345678"},
		{"85200000000", Target{Phone: "85200000000"}, "85200000000"},
		{"15550000042", Target{Phone: "15550000042"}, "15550000042"}, // test range: possible, not assigned
		{"685bd235e6119686e693a093", Target{ConversationID: "685bd235e6119686e693a093"}, "685bd235e6119686e693a093"},
		{"685BD235E6119686E693A093", Target{ConversationID: "685bd235e6119686e693a093"}, "685bd235e6119686e693a093"},
		{"Support:14155552671", Target{Phone: "14155552671", Channel: "Support"}, "Support:14155552671"},
		{"Support : +1 415 555 2671", Target{Phone: "14155552671", Channel: "Support"}, "Support:14155552671"},
		{"Sales Team:14155552671", Target{Phone: "14155552671", Channel: "Sales Team"}, "Sales Team:14155552671"},
		{"85200000000:14155552671", Target{Phone: "14155552671", Channel: "85200000000"}, "85200000000:14155552671"},
		{"+852 0000 0000:14155552671", Target{Phone: "14155552671", Channel: "85200000000"}, "85200000000:14155552671"},
		{"Support:65B73810E2BD04AA867B5F7D", Target{ContactID: "65b73810e2bd04aa867b5f7d", Channel: "Support"}, "Support:65b73810e2bd04aa867b5f7d"},
		{"85200000000: 65b73810e2bd04aa867b5f7d", Target{ContactID: "65b73810e2bd04aa867b5f7d", Channel: "85200000000"}, "85200000000:65b73810e2bd04aa867b5f7d"},
	}
	for _, tc := range ok {
		got, err := ParseTarget(tc.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want || got.String() != tc.str {
			t.Errorf("ParseTarget(%q) = %+v (%s), want %+v (%s)", tc.in, got, got, tc.want, tc.str)
		}
	}

	bad := []struct{ in, reason string }{
		{"", "empty"},
		{"   ", "empty"},
		{"07700 900123", "not 0"},
		{"+0044 7700 900123", "after +, a phone number starts with its country code"},
		{"00 07700 900123", "not 0"},
		{"0099912345678", "no country uses the code"},
		{"1415555", "too short for an international number"},
		{"1234567890123456", "too long for an international number"},
		{"99912345678", "no country uses the code"},
		{"12345678", "too short for country code +1"},
		{"141555526711", "too long for country code +1"},
		{"+1 415 555 2671 ext. 3", `'e' is not allowed`},
		{"1-800-FLOWERS", `'F' is not allowed`},
		{"1415+5552671", `'+' is not allowed`},
		{"685bd235e6119686e693a09", "23 characters, a conversation id has 24"},
		{"685bd235e6119686e693a0931", "25 characters, a conversation id has 24"},
		{"US.123124141512", `'U' is not allowed`}, // BSUIDs are not accepted
		{":14155552671", "empty channel"},
		{"Support:", "no phone number"},
		{"Support:abc", `'a' is not allowed`},
		{"Sup/port:14155552671", `'/' is not allowed in a channel name`},
		{"123:14155552671", "channel number"},
		{"a:b:14155552671", `'b' is not allowed`},
		{strings.Repeat("x", 65) + ":14155552671", "longer than 64"},
		{"\xff\xfe", "UTF-8"},
	}
	for _, tc := range bad {
		_, err := ParseTarget(tc.in)
		var te *TargetError
		if !errors.As(err, &te) {
			t.Errorf("ParseTarget(%q): error %v, want a *TargetError", tc.in, err)
			continue
		}
		if te.ExitCode() != 2 || te.Hint() == "" || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("ParseTarget(%q): %v (exit %d), want %q", tc.in, err, te.ExitCode(), tc.reason)
		}
	}
}

func TestTargetRendering(t *testing.T) {
	cases := []struct {
		in      string
		path    string
		v1      url.Values
		channel string // Config.Channel applied
		withCh  string
	}{
		{"14155552671", "14155552671", url.Values{"whatsappNumber": {"14155552671"}}, "Support", "Support:14155552671"},
		{"Sales Team:14155552671", "Sales%20Team:14155552671", url.Values{"target": {"Sales Team:14155552671"}}, "Support", "Sales Team:14155552671"},
		{"85200000001:14155552671", "85200000001:14155552671", url.Values{"whatsappNumber": {"14155552671"}, "channelPhoneNumber": {"85200000001"}}, "", "85200000001:14155552671"},
		{"685bd235e6119686e693a093", "685bd235e6119686e693a093", url.Values{"target": {"685bd235e6119686e693a093"}}, "Support", "685bd235e6119686e693a093"},
	}
	for _, tc := range cases {
		tg := MustParseTarget(tc.in)
		if got := tg.PathSegment(); got != tc.path {
			t.Errorf("%s: path segment %q, want %q", tc.in, got, tc.path)
		}
		q := url.Values{}
		tg.V1Query(q)
		if q.Encode() != tc.v1.Encode() {
			t.Errorf("%s: v1 query %q, want %q", tc.in, q.Encode(), tc.v1.Encode())
		}
		if got := tg.WithChannel(tc.channel).String(); got != tc.withCh {
			t.Errorf("%s with channel %q: %q, want %q", tc.in, tc.channel, got, tc.withCh)
		}
	}
}

// FuzzParseTarget: never panics; an accepted target is normalised (parsing
// its String gives it back), has the documented shape, and its path segment
// unescapes to it.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"14155552671", "+1 (415) 555-2671", "Support:14155552671", "685bd235e6119686e693a093", "85200000000:14155552671", "0", ":", "a:b", "+", "(((", "Sales Team:+44 7700 900123", "Support:65b73810e2bd04aa867b5f7d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("error %T, want *TargetError", err)
			}
			return
		}
		again, err := ParseTarget(tg.String())
		if err != nil || again != tg {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, tg, tg.String(), again, err)
		}
		set := 0
		for _, v := range []string{tg.Phone, tg.ConversationID, tg.ContactID} {
			if v != "" {
				set++
			}
		}
		if set != 1 || tg.ContactID != "" && (tg.Channel == "" || !isConversationID(tg.ContactID)) || tg.ConversationID != "" && tg.Channel != "" {
			t.Fatalf("%q: exactly one of phone, conversation id and contact id (with a channel) must be set: %+v", s, tg)
		}
		if tg.Phone != "" && (len(tg.Phone) < 8 || len(tg.Phone) > 15 || tg.Phone[0] == '0' || !isDigits(tg.Phone)) {
			t.Fatalf("%q: phone %q", s, tg.Phone)
		}
		if tg.Channel != "" && (strings.Contains(tg.Channel, ":") || !utf8.ValidString(tg.Channel)) {
			t.Fatalf("%q: channel %q", s, tg.Channel)
		}
		if u, err := url.PathUnescape(tg.PathSegment()); err != nil || u != tg.String() || strings.Contains(tg.PathSegment(), "/") {
			t.Fatalf("%q: path segment %q", s, tg.PathSegment())
		}
	})
}

// The forms each route takes, as Wati's spec lists them.
func TestTargetFor(t *testing.T) {
	conv := MustParseTarget("685bd235e6119686e693a093")
	phone := MustParseTarget("14155552671")
	chPhone := MustParseTarget("Support:14155552671")
	chContact := MustParseTarget("Support:65b73810e2bd04aa867b5f7d")
	for _, tc := range []struct {
		t    Target
		use  Use
		want string // "" = taken
	}{
		{conv, UseConversation, ""},
		{conv, UseContact, "a conversation id, but Wati's contact routes"},
		{conv, UseChatbot, "a conversation id, but Wati's chatbot start takes the contact"},
		{phone, UseConversation, ""}, {phone, UseContact, ""}, {phone, UseChatbot, ""},
		{chPhone, UseConversation, ""}, {chPhone, UseContact, ""}, {chPhone, UseChatbot, ""},
		{chContact, UseChatbot, ""},
		{chContact, UseConversation, "Channel:ContactId is taken by chatbot starts only"},
		{chContact, UseContact, "Channel:ContactId is taken by chatbot starts only"},
	} {
		err := tc.t.For(tc.use)
		var te *TargetError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s for %d: %v", tc.t, tc.use, err)
		case tc.want != "" && (!errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) || te.ExitCode() != 2 || !strings.Contains(te.Hint(), "Channel:Phone")):
			t.Errorf("%s for %d: %v, want %q (exit 2, a hint naming Channel:Phone)", tc.t, tc.use, err, tc.want)
		}
	}
	q := url.Values{}
	chContact.V1Query(q)
	if q.Encode() != "target=Support%3A65b73810e2bd04aa867b5f7d" {
		t.Errorf("v1 query %s", q.Encode())
	}
}

// The international prefix 00 is read as + (and said so); country-aware
// length checks apply to what follows.
func TestParseTarget00Prefix(t *testing.T) {
	for in, want := range map[string]string{
		"00 1 415 555 2671":     "14155552671",
		"0044 7700 900123":      "447700900123",
		"Support:0014155552671": "Support:14155552671",
		"(00) 55 11 98765 4321": "5511987654321",
	} {
		tg, note, err := ParseTargetNote(in)
		if err != nil || tg.String() != want || !strings.Contains(note, "00 is the international prefix") {
			t.Errorf("ParseTargetNote(%q) = %v, %q, %v; want %s with a note", in, tg, note, err, want)
		}
	}
	if _, note, _ := ParseTargetNote("+1 415 555 2671"); note != "" {
		t.Errorf("note %q without 00", note)
	}
	if _, err := ParseTarget("00 1 415 555 267"); err == nil || !strings.Contains(err.Error(), "too short for country code +1") {
		t.Errorf("00 and a short US number: %v", err)
	}
}
