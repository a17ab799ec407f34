package sandbox_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// wingID is the derived contact id of 85291234567 in the default seed
// (sha1 of "contact:PHONE", 12 bytes in hex).
var wingID = func() string {
	sum := sha1.Sum([]byte("contact:85291234567"))
	return hex.EncodeToString(sum[:12])
}()

func start(t testing.TB, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	s, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type answer struct {
	status int
	header http.Header
	body   string
}

// send makes one raw request; token "" sends no Authorization header.
func send(t testing.TB, s *sandbox.Server, method, path, contentType, body, token string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const (
	auth     = "Bearer sandbox-token"
	jsonType = "application/json"
	v3       = "/api/ext/v3"
	v1       = "/100001/api/v1"
)

// TestDocumentedAnswers sends the raw requests of wati-api.md and checks the
// documented answers (and the sandbox's choices where Wati documents none).
func TestDocumentedAnswers(t *testing.T) {
	cases := []struct {
		name                   string
		method, path, ct, body string
		token                  string
		status                 int
		want                   string // regexp on the body
		header, headerValue    string
	}{
		// v3 assign operator
		{"v3 operator", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":"maria@acme.com"}`, auth, 200, `^\{"result":true\}$`, "", ""},
		{"v3 bot operator (null email)", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":null}`, auth, 200, `"result":true`, "", ""},
		{"v3 operator by conversation id", "PUT", v3 + "/conversations/685bd235e6119686e693a093/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth, 200, `"result":true`, "", ""},
		{"v3 operator Channel:Phone by name", "PUT", v3 + "/conversations/Sales:447700900123/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth, 200, `"result":true`, "", ""},
		{"v3 operator Channel:Phone by number", "PUT", v3 + "/conversations/85200000000:447700900123/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth, 200, `"result":true`, "", ""},
		{"v3 operator escaped colon", "PUT", v3 + "/conversations/Sales%3A447700900123/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth, 200, `"result":true`, "", ""},
		{"v3 json-patch content type", "PUT", v3 + "/conversations/14155552671/operator", "application/json-patch+json", `{"assignee_email":null}`, auth, 200, `"result":true`, "", ""},
		{"v3 text/json content type", "PUT", v3 + "/conversations/14155552671/operator", "text/json; charset=utf-8", `{"assignee_email":null}`, auth, 200, `"result":true`, "", ""},
		{"v3 ambiguous contact", "PUT", v3 + "/conversations/447700900123/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth, 409, `"code":409,"message":"Contact 447700900123 has open conversations on several channels`, "", ""},
		{"v3 missing field", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{}`, auth, 400, `"code":400,"message":"The field \\"assignee_email\\" is required","timestamp":"`, "", ""},
		{"v3 extra field", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":null,"note":"x"}`, auth, 400, `Unknown field \\"note\\"`, "", ""},
		{"v3 ill-typed field", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":42}`, auth, 400, `wrong type`, "", ""},
		{"v3 not JSON", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `assignee_email=x`, auth, 400, `not a JSON object`, "", ""},
		{"v3 empty body", "PUT", v3 + "/conversations/14155552671/operator", jsonType, ``, auth, 400, `body is required`, "", ""},
		{"v3 no content type", "PUT", v3 + "/conversations/14155552671/operator", "", `{"assignee_email":null}`, auth, 415, `Content-Type`, "", ""},
		{"v3 unknown contact", "PUT", v3 + "/conversations/14155550000/operator", jsonType, `{"assignee_email":null}`, auth, 404, `Contact not found`, "", ""},
		{"v3 unknown conversation", "PUT", v3 + "/conversations/aaaaaaaaaaaaaaaaaaaaaaaa/operator", jsonType, `{"assignee_email":null}`, auth, 404, `Conversation not found`, "", ""},
		{"v3 unknown channel", "PUT", v3 + "/conversations/Nope:14155552671/operator", jsonType, `{"assignee_email":null}`, auth, 404, `Channel Nope not found`, "", ""},
		{"v3 unknown operator", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":"who@acme.com"}`, auth, 404, `Operator who@acme.com not found`, "", ""},
		{"v3 target with +", "PUT", v3 + "/conversations/+14155552671/operator", jsonType, `{"assignee_email":null}`, auth, 400, `Invalid target`, "", ""},
		{"v3 wrong method", "GET", v3 + "/conversations/14155552671/operator", "", "", auth, 405, `"code":405`, "Allow", "PUT"},
		{"unknown route", "GET", v3 + "/operators", "", "", auth, 404, `No route`, "", ""},

		// v3 chatbots
		{"v3 start chatbot", "POST", v3 + "/chatbots/start", jsonType, `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 200, `"result":true`, "", ""},
		{"v3 start unknown chatbot", "POST", v3 + "/chatbots/start", jsonType, `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439099"}`, auth, 404, `Chatbot 607f1f77bcf86cd799439099 not found`, "", ""},
		{"v3 start chatbot missing target", "POST", v3 + "/chatbots/start", jsonType, `{"chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 400, `"target\\" is required`, "", ""},
		{"v3 start chatbot ambiguous", "POST", v3 + "/chatbots/start", jsonType, `{"target":"447700900123","chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 409, `several channels`, "", ""},
		{"v3 list chatbots", "GET", v3 + "/chatbots?page_number=1&page_size=100", "", "", auth, 200, `^\{"chatbot_list":\[\{"id":"607f1f77bcf86cd799439011","name":"Returns flow","created":"2024-03-01T09:00:00Z"\},.*\],"page_number":1,"page_size":100\}$`, "", ""},
		{"v3 chatbots page 2", "GET", v3 + "/chatbots?page_number=2&page_size=100", "", "", auth, 200, `"chatbot_list":\[\]`, "", ""},
		{"v3 chatbots page size 2", "GET", v3 + "/chatbots?page_number=2&page_size=2", "", "", auth, 200, `^\{"chatbot_list":\[\{"id":"607f1f77bcf86cd799439013"[^\]]*\],`, "", ""},
		{"v3 chatbots without paging", "GET", v3 + "/chatbots", "", "", auth, 400, `The page_number field is required\.`, "", ""},
		{"v3 chatbots page size 101", "GET", v3 + "/chatbots?page_number=1&page_size=101", "", "", auth, 400, `The page_size field must be a whole number from 1 to 100\.`, "", ""},
		{"v3 chatbots page 0", "GET", v3 + "/chatbots?page_number=0&page_size=10", "", "", auth, 400, `The page_number field must be a whole number from 1 to`, "", ""},

		// v3 teams
		{"v3 teams", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":["Billing"]}`, auth, 200, `"result":true`, "", ""},
		{"v3 teams unknown team", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":["Legal"]}`, auth, 404, `Team Legal not found`, "", ""},
		{"v3 teams empty", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":[]}`, auth, 400, `1 to 100`, "", ""},
		{"v3 teams blank", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":[" "]}`, auth, 400, `blank`, "", ""},
		{"v3 teams ids (one client's team_ids)", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","team_ids":["1"]}`, auth, 400, `Unknown field \\"team_ids\\"`, "", ""},
		{"v3 teams as string", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":"Billing"}`, auth, 400, `wrong type`, "", ""},
		{"v3 teams on two-channel contact", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"447700900123","teams":["Sales"]}`, auth, 200, `"result":true`, "", ""},

		// v3 reads
		{"v3 contact", "GET", v3 + "/contacts/85291234567", "", "", auth, 200, `^\{"id":"[0-9a-f]{24}","wa_id":"85291234567","name":"Wing Chan","phone":"85291234567","teams":\["Billing"\],"custom_params":\[\],"channel_id":"64b7a1f0c2d3e4f5a6b7c801","contact_status":"VALID",`, "", ""},
		{"v3 contact by contact id", "GET", v3 + "/contacts/" + wingID, "", "", auth, 200, `"wa_id":"85291234567"`, "", ""},
		{"v3 contact by Channel:Phone", "GET", v3 + "/contacts/Sales:447700900123", "", "", auth, 200, `"wa_id":"447700900123"`, "", ""},
		{"v3 contact by conversation id is not found (the route takes contact ids)", "GET", v3 + "/contacts/685bd235e6119686e693a099", "", "", auth, 404, `Contact not found`, "", ""},
		{"v3 contact count is not a target", "GET", v3 + "/contacts/count", "", "", auth, 200, `^\{"contact_count":6\}$`, "", ""},
		{"v3 contact count from a date", "GET", v3 + "/contacts/count?date_from=2030-01-01", "", "", auth, 200, `^\{"contact_count":0\}$`, "", ""},
		{"v3 contact count bad date", "GET", v3 + "/contacts/count?date_from=yesterday", "", "", auth, 400, `date_from`, "", ""},
		{"v3 teams by conversation id is not found", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"685bd235e6119686e693a099","teams":["Billing"]}`, auth, 404, `Contact not found`, "", ""},
		{"v3 teams by Channel:ContactId is refused", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"Support:` + wingID + `","teams":["Billing"]}`, auth, 400, `Channel:ContactId`, "", ""},
		{"v3 chatbot by conversation id is not found", "POST", v3 + "/chatbots/start", jsonType, `{"target":"685bd235e6119686e693a093","chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 404, `Contact not found`, "", ""},
		{"v3 chatbot by Channel:ContactId", "POST", v3 + "/chatbots/start", jsonType, `{"target":"Support:` + wingID + `","chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 200, `"result":true`, "", ""},
		{"v3 chatbot by contact id", "POST", v3 + "/chatbots/start", jsonType, `{"target":"` + wingID + `","chatbot_id":"607f1f77bcf86cd799439011"}`, auth, 200, `"result":true`, "", ""},
		{"v3 operator by contact id is not found (the route takes conversation ids)", "PUT", v3 + "/conversations/" + wingID + "/operator", jsonType, `{"assignee_email":null}`, auth, 404, `Conversation not found`, "", ""},
		{"v3 application/*+json content type", "PUT", v3 + "/conversations/14155552671/operator", "application/vnd.acme+json", `{"assignee_email":null}`, auth, 200, `"result":true`, "", ""},
		{"v3 documented but not implemented", "POST", v3 + "/conversations/messages/interactive", jsonType, `{}`, auth, 404, `The sandbox does not implement POST /api/ext/v3/conversations/messages/interactive`, "", ""},
		{"v3 documented but not implemented is 404, not 405", "POST", v3 + "/contacts", jsonType, `{}`, auth, 404, `does not implement`, "", ""},
		{"v3 unknown contact read", "GET", v3 + "/contacts/14155550000", "", "", auth, 404, `Contact not found`, "", ""},
		{"v3 contacts", "GET", v3 + "/contacts?page_number=1&page_size=2", "", "", auth, 200, `^\{"contact_list":\[\{[^\]]*"wa_id":"14155552671".*"wa_id":"447700900123".*\],"page_number":1,"page_size":2\}$`, "", ""},
		{"v3 contacts without paging", "GET", v3 + "/contacts", "", "", auth, 400, `The page_number field is required\.`, "", ""},
		{"v3 contacts without page size", "GET", v3 + "/contacts?page_number=1", "", "", auth, 400, `The page_size field is required\.`, "", ""},
		{"v3 contacts page size 500", "GET", v3 + "/contacts?page_number=1&page_size=500", "", "", auth, 400, `page_size`, "", ""},
		{"v3 contacts page not a number", "GET", v3 + "/contacts?page_number=one&page_size=5", "", "", auth, 400, `page_number`, "", ""},
		{"v3 channels (the default one is not listed; channel is the platform)", "GET", v3 + "/channels?page_number=1&page_size=100", "", "", auth, 200, `^\{"channels":\[\{"id":"64b7a1f0c2d3e4f5a6b7c801","name":"Support","channel":"Whatsapp"\},\{"id":"64b7a1f0c2d3e4f5a6b7c802","name":"Sales","channel":"Whatsapp"\}\]\}$`, "", ""},
		{"v3 channels page 2 of 1", "GET", v3 + "/channels?page_number=2&page_size=1", "", "", auth, 200, `^\{"channels":\[\{"id":"64b7a1f0c2d3e4f5a6b7c802","name":"Sales"`, "", ""},
		{"v3 channels without paging", "GET", v3 + "/channels", "", "", auth, 400, `The page_number field is required\.`, "", ""},
		{"v3 messages without paging", "GET", v3 + "/conversations/685bd235e6119686e693a093/messages", "", "", auth, 400, `The page_number field is required\.`, "", ""},
		{"v3 operator on the default channel by name", "PUT", v3 + "/conversations/Main:14155552671/operator", jsonType, `{"assignee_email":null}`, auth, 404, `No conversation with 14155552671 on channel Main`, "", ""},
		{"v3 messages", "GET", v3 + "/conversations/685bd235e6119686e693a093/messages?page_number=1&page_size=1", "", "", auth, 200, `^\{"message_list":\[\{"id":"[0-9a-f]{24}",[^\]]*"conversation_id":"685bd235e6119686e693a093","event_type":"message","text":"I'm the AI assistant`, "", ""},

		// v3 status
		{"v3 status", "PUT", v3 + "/conversations/85291234567/status", jsonType, `{"new_status":"solved"}`, auth, 200, `"result":true`, "", ""},
		{"v3 status upper-case", "PUT", v3 + "/conversations/85291234567/status", jsonType, `{"new_status":"SOLVED"}`, auth, 400, `new_status must be`, "", ""},

		// auth and scopes
		{"no token", "GET", v3 + "/channels?page_number=1&page_size=10", "", "", "", 401, `^$`, "WWW-Authenticate", `Bearer realm="wati"`},
		{"wrong token", "GET", v3 + "/channels?page_number=1&page_size=10", "", "", "Bearer nope", 401, `^$`, "", ""},
		{"Bearer twice", "GET", v3 + "/channels?page_number=1&page_size=10", "", "", "Bearer Bearer sandbox-token", 401, `^$`, "", ""},
		{"bearer lower-case", "GET", v3 + "/channels?page_number=1&page_size=10", "", "", "bearer sandbox-token", 200, `channels`, "", ""},
		{"no scheme", "GET", v3 + "/channels?page_number=1&page_size=10", "", "", "sandbox-token", 401, `^$`, "", ""},
		{"scope missing (v3)", "PUT", v3 + "/conversations/14155552671/operator", jsonType, `{"assignee_email":null}`, "Bearer sandbox-readonly-token", 403, `"code":403,"message":"The token lacks the scope for this call \(any of: api, conversationsv3:write, wati_integration:write\)"`, "", ""},
		{"scope present", "GET", v3 + "/chatbots?page_number=1&page_size=10", "", "", "Bearer sandbox-readonly-token", 200, `chatbot_list`, "", ""},
		{"scope missing (v1, plain text)", "POST", v1 + "/assignOperator?whatsappNumber=14155552671", "", "", "Bearer sandbox-readonly-token", 403, `^Forbidden$`, "", ""},
		{"contacts scope on teams", "PUT", v3 + "/contacts/teams", jsonType, `{"target":"14155552671","teams":["Sales"]}`, "Bearer sandbox-contacts-token", 200, `"result":true`, "", ""},

		// v1
		{"v1 assignOperator", "POST", v1 + "/assignOperator?email=maria%40acme.com&whatsappNumber=14155552671", "", "", auth, 200, `^\{"info":"Operator assigned","result":true\}$`, "", ""},
		{"v1 bot operator", "POST", v1 + "/assignOperator?whatsappNumber=14155552671", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 per-tenant host form", "POST", "/api/v1/assignOperator?whatsappNumber=14155552671", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 wrong tenant", "POST", "/999/api/v1/assignOperator?whatsappNumber=14155552671", "", "", auth, 401, `does not belong to tenant 999`, "", ""},
		{"v1 channelPhoneNumber", "POST", v1 + "/assignOperator?email=lee%40acme.com&whatsappNumber=447700900123&channelPhoneNumber=85200000001", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 target", "POST", v1 + "/assignOperator?email=lee%40acme.com&target=Sales%3A447700900123", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 ambiguous is result:false", "POST", v1 + "/assignOperator?email=lee%40acme.com&whatsappNumber=447700900123", "", "", auth, 200, `^\{"info":"Contact 447700900123 has open conversations on several channels.*","result":false\}$`, "", ""},
		{"v1 unknown contact is result:false", "POST", v1 + "/assignOperator?whatsappNumber=14155550000", "", "", auth, 200, `"info":"Contact 14155550000 not found","result":false`, "", ""},
		{"v1 unknown operator is result:false", "POST", v1 + "/assignOperator?email=who%40acme.com&whatsappNumber=14155552671", "", "", auth, 200, `"result":false`, "", ""},
		{"v1 no number nor target", "POST", v1 + "/assignOperator?email=maria%40acme.com", "", "", auth, 400, `whatsappNumber or target is required`, "", ""},
		{"v1 JSON body", "POST", v1 + "/assignOperator", jsonType, `{"email":"maria@acme.com","whatsappNumber":"14155552671"}`, auth, 400, `query string, not the body`, "", ""},
		{"v1 unknown parameter", "POST", v1 + "/assignOperator?whatsappNumber=14155552671&assignee=x", "", "", auth, 400, `Unknown parameter \\"assignee\\"`, "", ""},
		{"v1 GET on a POST route", "GET", v1 + "/assignOperator?whatsappNumber=14155552671", "", "", auth, 405, `"code":405`, "Allow", "POST"},
		{"v1 assignTeam", "POST", v1 + "/assignTeam?teams=Billing&teams=Sales&whatsappNumber=85291234567", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 assignTeam unknown team", "POST", v1 + "/assignTeam?teams=Legal&whatsappNumber=85291234567", "", "", auth, 200, `"info":"Team Legal not found","result":false`, "", ""},
		{"v1 assignTeam on a two-channel contact", "POST", v1 + "/assignTeam?teams=Billing&whatsappNumber=447700900123", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 assignTeam unknown contact", "POST", v1 + "/assignTeam?teams=Billing&whatsappNumber=14155550000", "", "", auth, 200, `"info":"Contact 14155550000 not found","result":false`, "", ""},
		{"v1 assignTeam no teams", "POST", v1 + "/assignTeam?whatsappNumber=85291234567", "", "", auth, 400, `teams must hold`, "", ""},
		{"v1 chatbots/start", "POST", v1 + "/chatbots/start?whatsappNumber=4915112345678&chatbotId=607f1f77bcf86cd799439012", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 chatbots/start unknown bot", "POST", v1 + "/chatbots/start?whatsappNumber=4915112345678&chatbotId=607f1f77bcf86cd799439099", "", "", auth, 200, `"result":false`, "", ""},
		{"v1 chatbots", "GET", v1 + "/chatbots", "", "", auth, 200, `^\[\{"id":"607f1f77bcf86cd799439011","name":"Returns flow",`, "", ""},
		{"v1 updateChatStatus", "POST", v1 + "/updateChatStatus?whatsappNumber=4915112345678&ticketStatus=OPEN", "", "", auth, 200, `"result":true`, "", ""},
		{"v1 updateChatStatus lower-case", "POST", v1 + "/updateChatStatus?whatsappNumber=4915112345678&ticketStatus=open", "", "", auth, 400, `ticketStatus must be`, "", ""},
		{"v1 bad whatsappNumber", "POST", v1 + "/updateChatStatus?whatsappNumber=%2B4915112345678&ticketStatus=OPEN", "", "", auth, 400, `digits only`, "", ""},

		// inspection
		{"state needs no token", "GET", "/_sandbox/state?contact=14155552671", "", "", "", 200, `"wa_id":"14155552671"`, "", ""},
		{"state is read-only", "POST", "/_sandbox/state", "", "", "", 405, `not allowed`, "Allow", "GET"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, sandbox.Options{})
			a := send(t, s, tc.method, tc.path, tc.ct, tc.body, tc.token)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", a.status, tc.status, a.body)
			}
			if !regexp.MustCompile(tc.want).MatchString(a.body) {
				t.Fatalf("body %q does not match %q", a.body, tc.want)
			}
			if tc.header != "" && a.header.Get(tc.header) != tc.headerValue {
				t.Fatalf("header %s = %q, want %q", tc.header, a.header.Get(tc.header), tc.headerValue)
			}
			if a.status >= 400 && a.status != 401 && a.status != 429 && !(a.status == 403 && strings.Contains(tc.path, "/api/v1/")) {
				// errors other than 401, 429 and v1's 403 carry v3's {"code","message","timestamp"}
				var e struct {
					Code      int    `json:"code"`
					Message   string `json:"message"`
					Timestamp string `json:"timestamp"`
				}
				if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Code != a.status || e.Message == "" || e.Timestamp == "" {
					t.Fatalf("error body %q is not v3's {code, message, timestamp}", a.body)
				}
			}
		})
	}
}

func contactState(t *testing.T, s *sandbox.Server, phone string) sandbox.ContactState {
	t.Helper()
	c, ok := s.Contact(phone)
	if !ok {
		t.Fatalf("no contact %s", phone)
	}
	return c
}

func TestEffects(t *testing.T) {
	s := start(t, sandbox.Options{})

	// operator, then bot operator, then chatbot
	send(t, s, "PUT", v3+"/conversations/14155552671/operator", jsonType, `{"assignee_email":"maria@acme.com"}`, auth)
	c := contactState(t, s, "14155552671")
	if a := c.Conversations[0].Assignee; a == nil || a.Type != "operator" || a.Email != "maria@acme.com" || a.Name != "Maria Lopez" {
		t.Fatalf("assignee %+v", a)
	}
	send(t, s, "PUT", v3+"/conversations/14155552671/operator", jsonType, `{"assignee_email":null}`, auth)
	if a := contactState(t, s, "14155552671").Conversations[0].Assignee; a == nil || a.Type != "bot" {
		t.Fatalf("assignee %+v, want the bot operator", a)
	}
	send(t, s, "POST", v3+"/chatbots/start", jsonType, `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`, auth)
	if a := contactState(t, s, "14155552671").Conversations[0].Assignee; a == nil || a.Type != "chatbot" || a.ChatbotName != "Returns flow" {
		t.Fatalf("assignee %+v, want the Returns flow chatbot", a)
	}
	if n := s.ChatbotStarts("14155552671"); n != 1 {
		t.Fatalf("chatbot starts %d, want 1", n)
	}
	if n := s.ChatbotStarts("685bd235e6119686e693a093"); n != 1 {
		t.Fatalf("chatbot starts by conversation id %d, want 1", n)
	}

	// team replacement: the whole set is replaced
	send(t, s, "PUT", v3+"/contacts/teams", jsonType, `{"target":"447700900123","teams":["Billing"]}`, auth)
	if got := contactState(t, s, "447700900123").Teams; len(got) != 1 || got[0] != "Billing" {
		t.Fatalf("teams %v, want [Billing] (replaced, not added)", got)
	}
	a := send(t, s, "GET", v3+"/contacts/447700900123", "", "", auth)
	if !strings.Contains(a.body, `"teams":["Billing"]`) {
		t.Fatalf("contact read after replacement: %s", a.body)
	}

	// a named channel picks that conversation; the other one stays untouched
	send(t, s, "PUT", v3+"/conversations/Sales:447700900123/operator", jsonType, `{"assignee_email":"lee@acme.com"}`, auth)
	c = contactState(t, s, "447700900123")
	if c.Conversations[0].Assignee != nil || c.Conversations[1].Assignee == nil || c.Conversations[1].Assignee.Email != "lee@acme.com" {
		t.Fatalf("conversations %+v", c.Conversations)
	}

	// status
	send(t, s, "PUT", v3+"/conversations/85291234567/status", jsonType, `{"new_status":"solved"}`, auth)
	if st := contactState(t, s, "85291234567").Conversations[0].Status; st != "solved" {
		t.Fatalf("status %q", st)
	}
	// v1 status, upper-case on the wire, lower-case in the state
	send(t, s, "POST", v1+"/updateChatStatus?whatsappNumber=85291234567&ticketStatus=PENDING", "", "", auth)
	if st := contactState(t, s, "85291234567").Conversations[0].Status; st != "pending" {
		t.Fatalf("status %q", st)
	}

	// a solved and an open conversation on one channel: the open one is picked
	send(t, s, "PUT", v3+"/conversations/5511987654321/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth)
	c = contactState(t, s, "5511987654321")
	if c.Conversations[0].Assignee != nil || c.Conversations[1].Assignee.Email != "sam@acme.com" {
		t.Fatalf("the open conversation was not the one assigned: %+v", c.Conversations)
	}

	// failures change nothing
	before, _ := s.State().MarshalJSON()
	send(t, s, "PUT", v3+"/contacts/teams", jsonType, `{"target":"14155552671","teams":["Billing","Legal"]}`, auth)
	send(t, s, "PUT", v3+"/conversations/447700900123/operator", jsonType, `{"assignee_email":"sam@acme.com"}`, auth)
	send(t, s, "POST", v1+"/assignOperator?whatsappNumber=14155552671", "", "", "Bearer wrong")
	if after, _ := s.State().MarshalJSON(); !bytes.Equal(after, before) {
		t.Fatalf("a refused request changed the state:\n%s\n%s", before, after)
	}
}

func TestStateJSONOneContactPerLine(t *testing.T) {
	s := start(t, sandbox.Options{})
	send(t, s, "POST", v3+"/chatbots/start", jsonType, `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`, auth)
	a := send(t, s, "GET", "/_sandbox/state", "", "", "")
	var st struct {
		Contacts []struct {
			WaID  string   `json:"wa_id"`
			Teams []string `json:"teams"`
		} `json:"contacts"`
		ChatbotStarts map[string]int `json:"chatbot_starts"`
	}
	if err := json.Unmarshal([]byte(a.body), &st); err != nil {
		t.Fatalf("state is not JSON: %v\n%s", err, a.body)
	}
	if len(st.Contacts) != 6 || st.ChatbotStarts["14155552671"] != 1 {
		t.Fatalf("state %+v", st)
	}
	line := regexp.MustCompile(`(?m)^    \{"wa_id":"14155552671".*"chatbot_starts":1\}\]\},?$`)
	if !line.MatchString(a.body) {
		t.Fatalf("contact 14155552671 is not on one line:\n%s", a.body)
	}
	a = send(t, s, "GET", "/_sandbox/state?contact=447700900123&contact=85291234567", "", "", "")
	if n := strings.Count(a.body, `"wa_id"`); n != 2 {
		t.Fatalf("filtered state has %d contacts:\n%s", n, a.body)
	}
}

func TestFailRate(t *testing.T) {
	for _, tc := range []struct {
		status  int
		applied bool
	}{{500, true}, {503, false}} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			s := start(t, sandbox.Options{FailRate: 1, FailStatus: tc.status})
			a := send(t, s, "POST", v3+"/chatbots/start", jsonType, `{"target":"14155552671","chatbot_id":"607f1f77bcf86cd799439011"}`, auth)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d", a.status, tc.status)
			}
			if got := s.ChatbotStarts("14155552671") == 1; got != tc.applied {
				t.Fatalf("applied = %v, want %v", got, tc.applied)
			}
			// reads are never failed
			if a := send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", auth); a.status != 200 {
				t.Fatalf("a read failed: %d", a.status)
			}
			if r := s.Requests(); r[0].Fault == "" {
				t.Fatalf("the log does not show the fault: %+v", r[0])
			}
		})
	}
	t.Run("random mix", func(t *testing.T) {
		s := start(t, sandbox.Options{FailRate: 0.5, RandSeed: 7})
		seen := map[int]int{}
		for i := 0; i < 60; i++ {
			seen[send(t, s, "PUT", v3+"/conversations/14155552671/status", jsonType, `{"new_status":"open"}`, auth).status]++
		}
		if seen[200] == 0 || seen[500] == 0 || seen[503] == 0 || seen[200]+seen[500]+seen[503] != 60 {
			t.Fatalf("answers %v, want a mix of 200, 500 and 503", seen)
		}
	})
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := start(t, sandbox.Options{RateLimit: 2, Now: clock})
	for i, want := range []int{200, 200, 429, 429} {
		a := send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", auth)
		if a.status != want {
			t.Fatalf("request %d: %d, want %d", i+1, a.status, want)
		}
		if want == 429 && (a.header.Get("Retry-After") != "1" || a.body != "") {
			t.Fatalf("429 with Retry-After %q and body %q", a.header.Get("Retry-After"), a.body)
		}
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if a := send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", auth); a.status != 200 {
		t.Fatalf("next second: %d", a.status)
	}
}

func TestLatency(t *testing.T) {
	s := start(t, sandbox.Options{Latency: 60 * time.Millisecond})
	t0 := time.Now()
	send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", auth)
	if d := time.Since(t0); d < 60*time.Millisecond {
		t.Fatalf("answered in %v, want at least 60ms", d)
	}
	// inspection is not delayed
	t0 = time.Now()
	send(t, s, "GET", "/_sandbox/state", "", "", "")
	if d := time.Since(t0); d > 50*time.Millisecond {
		t.Fatalf("state took %v", d)
	}
}

func TestRequestLogNeverHoldsTheToken(t *testing.T) {
	var logBuf bytes.Buffer
	var mu sync.Mutex
	s := start(t, sandbox.Options{Log: lockedWriter{&mu, &logBuf}})
	// a body and a query that carry the token (a confused client)
	send(t, s, "PUT", v3+"/conversations/14155552671/operator", jsonType, `{"assignee_email":"sandbox-token"}`, auth)
	send(t, s, "POST", v1+"/assignOperator?whatsappNumber=14155552671&email=sandbox-readonly-token", "", "", auth)
	send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", "Bearer sandbox-token")
	send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", "Bearer wrong-token")
	a := send(t, s, "GET", "/_sandbox/requests", "", "", "")
	mu.Lock()
	logged := logBuf.String()
	mu.Unlock()
	for _, text := range []string{a.body, logged} {
		for _, tok := range []string{"sandbox-token", "sandbox-readonly-token"} {
			if strings.Contains(text, tok) {
				t.Fatalf("%q appears in the log:\n%s", tok, text)
			}
		}
	}
	if !strings.Contains(a.body, `"auth":"wrong"`) || !strings.Contains(a.body, `"auth":"ok"`) {
		t.Fatalf("log: %s", a.body)
	}
	var entries []sandbox.LoggedRequest
	if err := json.Unmarshal([]byte(a.body), &entries); err != nil || len(entries) != 4 {
		t.Fatalf("log is not 4 JSON entries (%v): %s", err, a.body)
	}
	a = send(t, s, "GET", "/_sandbox/requests?path=/channels", "", "", "")
	if strings.Count(a.body, `"seq"`) != 2 {
		t.Fatalf("filtered log: %s", a.body)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestRequestLogLimit(t *testing.T) {
	s := start(t, sandbox.Options{LogLimit: 3})
	for i := 0; i < 5; i++ {
		send(t, s, "GET", v3+"/channels?page_number=1&page_size=100", "", "", auth)
	}
	r := s.Requests()
	if len(r) != 3 || r[0].Seq != 3 || r[2].Seq != 5 {
		t.Fatalf("log %+v, want the last three (seq 3 to 5)", r)
	}
}

func TestGenerateContacts(t *testing.T) {
	s := start(t, sandbox.Options{GenerateContacts: 250})
	for _, p := range []string{"15550000000", "15550000249"} {
		a := send(t, s, "PUT", v3+"/conversations/"+p+"/operator", jsonType, `{"assignee_email":"maria@acme.com"}`, auth)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", p, a.status, a.body)
		}
	}
	if a := send(t, s, "GET", v3+"/contacts/15550000250", "", "", auth); a.status != 404 {
		t.Fatalf("contact 250 exists: %d", a.status)
	}
	a := send(t, s, "GET", v3+"/contacts?page_number=3&page_size=100", "", "", auth)
	if n := strings.Count(a.body, `"wa_id"`); n != 56 { // 6 seeded + 250 generated = 256
		t.Fatalf("page 3 has %d contacts, want 56", n)
	}
}

func TestSeedFileIsTheEmbeddedOne(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "configs", "sandbox.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, sandbox.DefaultSeedYAML) {
		t.Fatal("configs/sandbox.yaml and pkg/sandbox/sandbox.yaml differ: edit pkg/sandbox/sandbox.yaml and copy it to configs/")
	}
	s := sandbox.DefaultSeed()
	var haveBot, haveContact, haveTwoChannels bool
	for _, b := range s.Chatbots {
		haveBot = haveBot || b.ID == "607f1f77bcf86cd799439011" && b.Name == "Returns flow"
	}
	for _, c := range s.Contacts {
		haveContact = haveContact || c.Phone == "14155552671"
		open := map[string]bool{}
		for _, v := range c.Conversations {
			if v.Status == "open" {
				open[v.Channel] = true
			}
		}
		haveTwoChannels = haveTwoChannels || len(open) >= 2
	}
	if !haveBot || !haveContact || !haveTwoChannels || len(s.Teams) == 0 || len(s.Operators) == 0 || len(s.Channels) < 2 {
		t.Fatalf("the default seed lacks a documented fact: bot %v, contact %v, two channels %v", haveBot, haveContact, haveTwoChannels)
	}
}

func TestSeedErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"", "empty"},
		{"teams: [A]\nextra: 1\n", "field extra not found"},
		{"channels: [{name: S, number: '123'}]\n", "not an international phone"},
		{"contacts: [{phone: '+14155552671'}]\n", "not international digits"},
		{"chatbots: [{id: xyz, name: B}]\n", "not 24 lower-case hex"},
		{"teams: [A]\ncontacts: [{phone: '14155552671', teams: [B]}]\n", `team "B" is not in teams`},
		{"channels: [{name: S, number: '85200000000'}]\ncontacts: [{phone: '14155552671', conversations: [{id: 685bd235e6119686e693a093, channel: X, status: open}]}]\n", `channel "X" is not in channels`},
		{"channels: [{name: S, number: '85200000000'}]\ncontacts: [{phone: '14155552671', conversations: [{id: 685bd235e6119686e693a093, channel: S, status: closed}]}]\n", `status "closed"`},
	} {
		if _, err := sandbox.ParseSeed([]byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("seed %q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []sandbox.Options{{FailRate: 2}, {Token: "a b"}, {TenantID: "a/b"}, {RateLimit: -1}, {Token: "sandbox-readonly-token"}} {
		if _, err := sandbox.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestConcurrentUse hammers one sandbox from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	s := start(t, sandbox.Options{GenerateContacts: 40})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				phone := fmt.Sprint(15550000000 + (g*5+i)%40)
				switch i % 5 {
				case 0:
					send(t, s, "PUT", v3+"/conversations/"+phone+"/operator", jsonType, `{"assignee_email":"maria@acme.com"}`, auth)
				case 1:
					send(t, s, "POST", v3+"/chatbots/start", jsonType, `{"target":"`+phone+`","chatbot_id":"607f1f77bcf86cd799439012"}`, auth)
				case 2:
					send(t, s, "PUT", v3+"/contacts/teams", jsonType, `{"target":"`+phone+`","teams":["Sales"]}`, auth)
				case 3:
					send(t, s, "GET", v3+"/contacts/"+phone, "", "", auth)
				default:
					_ = s.State()
					_ = s.Requests()
				}
			}
		}(g)
	}
	wg.Wait()
	total := 0
	for _, n := range s.State().ChatbotStarts {
		total += n
	}
	if total != 8*5 {
		t.Fatalf("chatbot starts %d, want %d", total, 8*5)
	}
}

func TestCloseIsIdempotentAndStopsServing(t *testing.T) {
	s, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	u := s.URL()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if _, err := http.Get(u + "/_sandbox/state"); err == nil {
		t.Fatal("still serving after Close")
	}
}

// BenchmarkAssign measures handoffs per second over loopback HTTP.
func BenchmarkAssign(b *testing.B) {
	s := start(b, sandbox.Options{GenerateContacts: 1000, LogLimit: -1})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := []byte(`{"assignee_email":"maria@acme.com"}`)
	b.ResetTimer()
	t0 := time.Now()
	var n int64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest("PUT", fmt.Sprintf("%s%s/conversations/%d/operator", s.URL(), v3, 15550000000+i%1000), bytes.NewReader(body))
			req.Header.Set("Authorization", auth)
			req.Header.Set("Content-Type", jsonType)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
		}
	})
	b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "req/s")
}

// A client that stalls is cut off: while sending its headers after
// ReadHeaderTimeout, while sending its body after ReadTimeout.
func TestReadTimeouts(t *testing.T) {
	s := start(t, sandbox.Options{ReadHeaderTimeout: 150 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(s.URL(), "http://")
	for _, tc := range []struct {
		name, sent string
		within     time.Duration
	}{
		{"stalled headers", "PUT /api/ext/v3/contacts/teams HTTP/1.1\r\nHost: x\r\nAuthori", time.Second},
		{"stalled body", "PUT /api/ext/v3/contacts/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sandbox-token\r\n" +
			"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"target\":", 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.sent); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			answer, err := io.ReadAll(conn) // until the server closes
			took := time.Since(start)
			if err != nil {
				t.Fatalf("the connection stayed open %v (%v); answer %q", took, err, answer)
			}
			if took > tc.within {
				t.Fatalf("cut off after %v, want within %v", took, tc.within)
			}
			if strings.Contains(string(answer), "200 OK") {
				t.Fatalf("a stalled request was served: %q", answer)
			}
		})
	}
	if n := len(s.State("14155552671").Contacts[0].Teams); n != 1 {
		t.Fatalf("a stalled request changed the state: teams %v", s.State("14155552671").Contacts[0].Teams)
	}
}

func TestDefaultTimeoutsAreSet(t *testing.T) {
	if sandbox.DefaultReadHeaderTimeout <= 0 || sandbox.DefaultReadTimeout <= 0 || sandbox.DefaultIdleTimeout <= 0 {
		t.Fatal("a default timeout is not set")
	}
	if _, err := sandbox.New(sandbox.Options{ReadTimeout: -time.Second}); err == nil {
		t.Fatal("a negative read timeout was accepted")
	}
}
