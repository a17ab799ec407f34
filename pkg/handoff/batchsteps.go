package handoff

import (
	"github.com/handoff-dev/handoff/pkg/action"
)

// Per-step journaling of a batch: the message step (not idempotent) is
// recorded before it is sent and when it ends, beside the target's own
// records, so that a resumed run sends a message that was never started,
// skips one that was sent, and reports one that was in flight as unknown
// instead of sending it again. The assignment's PUTs are resent freely;
// a chatbot start keeps the target-level rule (--retry-unknown).
//
//	M <target>            the message step is about to be sent (fsync'd first)
//	T <target> <outcome>  it was sent (outcome sent)
//	X <target> <outcome>  it ended without a send: failed, skipped (safe to try again)
const (
	jMsgStart = 'M'
	jMsgSent  = 'T'
	jMsgNot   = 'X'
)

// replayStep applies a step record of a resumed journal to set; false when
// the record is not a step record.
func replayStep(set *targetSet, kind byte, target string) bool {
	f := set.get(target)
	switch kind {
	case jMsgStart:
		set.set(target, f|msgStarted)
	case jMsgSent:
		set.set(target, f|msgSent)
	case jMsgNot:
		set.set(target, f&^msgStarted)
	default:
		return false
	}
	return true
}

// runner is the Runner of one job: the batch row's placeholder values, and
// the journal as the guard of its message.
func (b *batch) runner(jb job) *Runner {
	if !b.r.Action.HasExtras() {
		return b.r
	}
	r := *b.r
	if len(jb.item.vars) > 0 {
		v := Vars{}
		for k, val := range b.r.Vars {
			v[k] = val
		}
		for k, val := range jb.item.vars {
			v[k] = val
		}
		r.Vars = v
	}
	var gs guards
	if b.audit != nil {
		gs = append(gs, b.audit) // sent by an earlier run (or call) of this action lately
	}
	if b.j != nil {
		gs = append(gs, &journalGuard{b: b, state: jb.msg})
	}
	if len(gs) > 0 {
		r.Guard = gs
	}
	return &r
}

// journalGuard is the Guard of one target of a batch.
type journalGuard struct {
	b     *batch
	state uint64 // what the resumed run left
}

func (g *journalGuard) Before(target, step string) (string, bool, error) {
	if step != action.StepMessage {
		return "", false, nil
	}
	switch {
	case g.state&msgSent != 0:
		return "sent by the run this one resumes (journal): not sent again", false, nil
	case g.state&msgStarted != 0 && !g.b.opts.RetryUnknown:
		return "the run this one resumes was sending it and stopped before knowing whether Wati received it: not sent again (check the conversation; --retry-unknown sends it)", true, nil
	}
	seq, err := g.b.j.record(jMsgStart, target, "")
	if err == nil {
		err = g.b.j.syncTo(seq) // on disk before the customer can read it
	}
	return "", false, err
}

func (g *journalGuard) After(target, step, outcome string) error {
	if step != action.StepMessage {
		return nil
	}
	var err error
	switch outcome {
	case StepSent:
		_, err = g.b.j.record(jMsgSent, target, outcome)
	case StepUnknown:
		// leave the M record: a resumed run reports it unknown
	default:
		_, err = g.b.j.record(jMsgNot, target, outcome)
	}
	return err
}
