package sandbox

import (
	"fmt"
	"time"
)

// Human replies: with Options.ReplyAfter set, a conversation handed to an
// operator (assign operator with an email) or to a team (contacts/teams)
// gets a reply from a person after that delay, give or take
// Options.ReplyJitter, except for a share (Options.Unanswered) that is never
// answered. The reply is an ordinary message of Wati's MessageDto: owner
// true, operator_name the person's name, assigned_id their id. Handing the
// conversation to the bot or starting a chatbot before the reply is due
// cancels it.
//
// Replies are not timers: a due reply is written, with the time it was due,
// the next time anything reads or changes the conversation, so the message
// list is always in time order and a test's clock (Options.Now) decides.

// pendingReply is a reply a person will send.
type pendingReply struct {
	at time.Time
	op *operator
}

// replyTexts are what people write first, picked in turn.
var replyTexts = []string{
	"Hi, this is %s. I've read the conversation and I'm on it.",
	"Hello! %s here from the team. Let me look into this for you.",
	"Thanks for waiting, I'm %s. I can help with that.",
	"Hi, %s speaking. Sorry for the trouble, I'm checking now.",
}

// replies configures the replies of one workspace (from Options).
type replies struct {
	after      time.Duration
	jitter     float64 // 0..1: the delay varies by ± this fraction
	unanswered float64 // 0..1: share of assignments nobody answers
	roll       func() float64
}

func (r *replies) on() bool { return r != nil && r.after > 0 }

// scheduleReply plans a reply on v by op (nil: any operator, for a team).
func (ws *workspace) scheduleReply(v *conversation, op *operator) {
	v.pending = nil
	r := ws.replies
	if !r.on() {
		return
	}
	if r.unanswered > 0 && r.roll() < r.unanswered {
		return
	}
	if op == nil {
		if len(ws.opList) == 0 {
			return
		}
		op = ws.opList[int(r.roll()*float64(len(ws.opList)))%len(ws.opList)]
	}
	d := r.after
	if r.jitter > 0 {
		d = time.Duration(float64(d) * (1 + r.jitter*(2*r.roll()-1)))
	}
	if d < 0 {
		d = 0
	}
	v.pending = &pendingReply{at: ws.now().Add(d), op: op}
}

// settle writes v's reply when it is due by now.
func (ws *workspace) settle(v *conversation, now time.Time) {
	p := v.pending
	if p == nil || now.Before(p.at) {
		return
	}
	v.pending = nil
	ws.replySeq++
	text := fmt.Sprintf(replyTexts[ws.replySeq%len(replyTexts)], p.op.name)
	ws.addMessage(v, message{EventType: "message", Type: "text", Text: text, Owner: true, OperatorName: p.op.name, AssignedID: p.op.id}, p.at)
}

// settleAll writes every due reply (before a snapshot of the state).
func (ws *workspace) settleAll() {
	if !ws.replies.on() {
		return
	}
	now := ws.now()
	for _, c := range ws.contacts {
		for _, v := range c.convs {
			ws.settle(v, now)
		}
	}
}

// teamConversation is the conversation a team assignment reaches: the
// contact's most recent open one (on any channel), else its most recent.
func teamConversation(c *contact) *conversation {
	var last *conversation
	for _, v := range c.convs {
		last = v
	}
	for i := len(c.convs) - 1; i >= 0; i-- {
		if isOpen(c.convs[i]) {
			return c.convs[i]
		}
	}
	return last
}
