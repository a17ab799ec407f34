package sandbox_test

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/handoff-dev/handoff/pkg/sandbox"
)

// clock is a settable time for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type msg struct {
	Created      string `json:"created"`
	EventType    string `json:"event_type"`
	Text         string `json:"text"`
	Owner        bool   `json:"owner"`
	OperatorName string `json:"operator_name"`
	AssignedID   string `json:"assigned_id"`
}

func messages(t *testing.T, s *sandbox.Server, target string) []msg {
	t.Helper()
	a := send(t, s, "GET", "/api/ext/v3/conversations/"+target+"/messages?page_number=1&page_size=100", "", "", "Bearer "+s.Token())
	if a.status != 200 {
		t.Fatalf("messages: %d %s", a.status, a.body)
	}
	var v struct {
		List []msg `json:"message_list"`
	}
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatal(err)
	}
	return v.List
}

func humanReplies(list []msg) []msg {
	var out []msg
	for _, m := range list {
		if m.EventType == "message" && m.Owner && m.OperatorName != "" {
			out = append(out, m)
		}
	}
	return out
}

func put(t *testing.T, s *sandbox.Server, path, body string) {
	t.Helper()
	if a := send(t, s, "PUT", path, "application/json", body, "Bearer "+s.Token()); a.status != 200 {
		t.Fatalf("PUT %s: %d %s", path, a.status, a.body)
	}
}

func TestOperatorRepliesAfterTheDelay(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	s := start(t, sandbox.Options{ReplyAfter: 30 * time.Second, Now: c.now})
	put(t, s, "/api/ext/v3/conversations/14155552671/operator", `{"assignee_email":"maria@acme.com"}`)

	c.add(29 * time.Second)
	if r := humanReplies(messages(t, s, "14155552671")); len(r) != 0 {
		t.Fatalf("a reply before the delay: %+v", r)
	}
	c.add(time.Hour)
	list := messages(t, s, "14155552671")
	r := humanReplies(list)
	if len(r) != 1 || r[0].OperatorName != "Maria Lopez" || r[0].AssignedID == "" || r[0].Created != "2026-03-01T10:00:30.000Z" {
		t.Fatalf("replies %+v, want one by Maria at 10:00:30 (when it was due, not when read)", r)
	}
	if list[0].Text != r[0].Text {
		t.Errorf("the reply is not the newest event: %+v", list[0])
	}
	// Every later event carries Maria's id while she holds it.
	put(t, s, "/api/ext/v3/conversations/14155552671/status", `{"new_status":"pending"}`)
	if m := messages(t, s, "14155552671")[0]; m.AssignedID != r[0].AssignedID {
		t.Errorf("status event %+v does not carry the operator's assigned_id", m)
	}
	// Back to the bot: the next events carry no operator.
	put(t, s, "/api/ext/v3/conversations/14155552671/operator", `{"assignee_email":null}`)
	put(t, s, "/api/ext/v3/conversations/14155552671/status", `{"new_status":"open"}`)
	if m := messages(t, s, "14155552671")[0]; m.AssignedID != "" || m.OperatorName != "" {
		t.Errorf("after the release %+v still names an operator", m)
	}
}

func TestReleaseBeforeTheReplyCancelsIt(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	s := start(t, sandbox.Options{ReplyAfter: 30 * time.Second, Now: c.now})
	put(t, s, "/api/ext/v3/conversations/14155552671/operator", `{"assignee_email":"maria@acme.com"}`)
	c.add(10 * time.Second)
	put(t, s, "/api/ext/v3/conversations/14155552671/operator", `{"assignee_email":null}`)
	c.add(time.Hour)
	if r := humanReplies(messages(t, s, "14155552671")); len(r) != 0 {
		t.Fatalf("a reply after the release: %+v", r)
	}
}

func TestTeamAssignmentsAreAnsweredExceptAShare(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	s := start(t, sandbox.Options{ReplyAfter: time.Minute, ReplyJitter: 0.5, Unanswered: 0.3, RandSeed: 7, GenerateContacts: 200, Now: c.now})
	for i := 0; i < 200; i++ {
		put(t, s, "/api/ext/v3/contacts/teams", `{"target":"`+phone(i)+`","teams":["Billing"]}`)
	}
	c.add(29 * time.Second)
	early := 0
	for i := 0; i < 200; i++ {
		early += len(humanReplies(messages(t, s, phone(i))))
	}
	c.add(time.Hour)
	answered := 0
	var min, max time.Duration
	for i := 0; i < 200; i++ {
		r := humanReplies(messages(t, s, phone(i)))
		if len(r) > 1 {
			t.Fatalf("%s: %d replies", phone(i), len(r))
		}
		if len(r) == 1 {
			answered++
			ts, err := time.Parse(time.RFC3339, r[0].Created)
			if err != nil {
				t.Fatal(err)
			}
			d := ts.Sub(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
			if min == 0 || d < min {
				min = d
			}
			if d > max {
				max = d
			}
		}
	}
	if answered < 110 || answered > 170 {
		t.Errorf("%d of 200 answered, want about 140 (30%% never)", answered)
	}
	if early != 0 || min < 30*time.Second || max > 90*time.Second || max-min < 30*time.Second {
		t.Errorf("delays %v to %v (%d before 29s): want spread over 30s..90s", min, max, early)
	}
}

func phone(i int) string { return strconv.Itoa(15550000000 + i) }
