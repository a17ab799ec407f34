package handoff

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// JournalMode says what a batch does with a journal an earlier run left.
type JournalMode int

const (
	// JournalAuto resumes a run that did not end (crash, kill, Ctrl-C, a
	// stop on a refused token) and starts afresh after one that ended.
	JournalAuto JournalMode = iota
	// JournalResume resumes the journal even when its run ended (targets it
	// handed off are skipped; failed ones are sent again); without a
	// journal it is an error.
	JournalResume
	// JournalFresh starts afresh whatever the journal holds.
	JournalFresh
)

// Journal states in Summary.JournalState.
const (
	JournalNew     = "new"     // no earlier journal of this input
	JournalResumed = "resumed" // the earlier run's journal was resumed
	JournalStarted = "fresh"   // an earlier journal existed and was started over
)

// ErrNothingToResume: --resume with no journal of this input.
var ErrNothingToResume = errors.New("there is no journal of this input to resume")

// BatchOptions configure RunBatch.
type BatchOptions struct {
	Concurrency int     // workers; 0 = 8
	Rate        float64 // requests per second shared by all workers; 0 = no limit

	// Journal is the journal file; "" = none. Dry runs never journal.
	Journal     string
	JournalMode JournalMode
	// InputKey and InputName identify the input in the journal (Input.Key
	// and Input.Name).
	InputKey, InputName string
	// RetryUnknown resends chatbot starts that were in flight when an
	// earlier run died (their outcome is unknown); without it they are
	// reported as unknown and not sent.
	RetryUnknown bool

	// Report receives one JSON line per input target (the fields of
	// `assign --json`, plus line and reason); nil = none.
	Report io.Writer

	// Progress is called about every ProgressEvery (0 = 200ms) from one
	// goroutine, and once more at the end; nil = none.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Total is the expected number of targets (0 = unknown): for
	// Progress, and to size the deduplication table once.
	Total int

	// Start, when set, is called once the input proved readable, before
	// anything is sent, with the CSV header's column names (lower-cased;
	// nil for a plain list). An error stops the run there.
	Start func(columns []string) error

	// MaxRateLimitRetries is how many times a target refused with 429
	// after the client's own retries is tried again, after the whole run
	// slowed down; 0 = 3, negative = none.
	MaxRateLimitRetries int
}

// Progress is a snapshot of a running batch.
type Progress struct {
	Processed int // targets finished, whatever the outcome
	Done      int
	Failed    int
	Unknown   int
	Skipped   int // done earlier (journal), duplicates, repeats
	Total     int // expected (0 = unknown)
	Elapsed   time.Duration
	Rate      float64 // targets processed per second
	Limit     float64 // current client-side request limit; 0 = none
	SlowDowns int
}

// MaxListed is how many failed (and unknown) targets a summary names.
const MaxListed = 10

// Listed is one target a summary names: a failure, or an unknown outcome.
type Listed struct {
	Line   int    `json:"line,omitempty"`
	Target string `json:"target"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// Summary is the account of a whole batch. Every target read is counted
// once, under its outcome (docs/assign.md).
type Summary struct {
	Action      string         `json:"action"`
	Account     string         `json:"account"`
	Total       int            `json:"total"`        // targets read
	Done        int            `json:"done"`         // handed off (or dry-run) now
	Failed      int            `json:"failed"`       // refused, or could not be sent: nothing changed
	FailedBy    map[string]int `json:"failed_by"`    // failures by reason
	Failures    []Listed       `json:"failures"`     // the first MaxListed failures
	Unknown     int            `json:"unknown"`      // may or may not have happened
	Unknowns    []Listed       `json:"unknowns"`     // the first MaxListed unknown outcomes
	Calls       int            `json:"calls"`        // requests sent to Wati by this run (retries included)
	NotSent     int            `json:"not_sent"`     // read but never sent (cancelled, or the run stopped)
	Partial     int            `json:"partial"`      // handed off, but a later step (status, context, message) failed
	DoneEarlier int            `json:"done_earlier"` // done by the run this one resumed (journal)
	Repeats     int            `json:"repeats"`      // refused: sent within the repeat window (audit log)
	Duplicates  int            `json:"duplicates"`   // repeated targets, handed off once
	ElapsedMS   int64          `json:"elapsed_ms"`
	Rate        float64        `json:"rate"`      // targets per second
	SlowDowns   int            `json:"slowdowns"` // times the run slowed down after a 429
	DryRun      bool           `json:"dry_run,omitempty"`
	Format      string         `json:"input_format,omitempty"` // csv | lines
	Journal     string         `json:"journal,omitempty"`      // the journal file, when one is kept
	// JournalState: new, resumed or fresh (an earlier journal of this
	// input was started over: its run had ended, or --fresh).
	JournalState string `json:"journal_state,omitempty"`
	// ResumedFrom is when the resumed run began; EarlierEnded when the
	// earlier run of this input ended (JournalState fresh).
	ResumedFrom  *time.Time `json:"resumed_from,omitempty"`
	EarlierEnded *time.Time `json:"earlier_run_ended,omitempty"`
	// Finished: every target read has its outcome and the input was read to
	// its end, so a later run of the same input starts afresh.
	Finished  bool   `json:"finished"`
	Report    string `json:"report,omitempty"` // the report file
	Cancelled bool   `json:"cancelled,omitempty"`
	Aborted   string `json:"aborted,omitempty"` // why the run stopped early
}

// ExitCode: 130 cancelled; 1 any failed or refused as a repeat; 7 none
// failed but some outcomes are unknown; 1 some never sent; 8 some only
// partly done (handed off, a later step failed); else 0.
func (s Summary) ExitCode() int {
	switch {
	case s.Cancelled:
		return exitcode.Cancel
	case s.Failed > 0, s.Repeats > 0:
		return exitcode.Failure
	case s.Unknown > 0:
		return exitcode.Unknown
	case s.NotSent > 0:
		return exitcode.Failure
	case s.Partial > 0:
		return exitcode.Partial
	}
	return exitcode.OK
}

// count adds one result to the summary.
func (s *Summary) count(res Result) {
	s.Total++
	s.Calls += res.Calls
	list := func(l *[]Listed) {
		if len(*l) < MaxListed {
			*l = append(*l, Listed{Line: res.Line, Target: res.Target, Reason: res.Reason, Error: res.Error})
		}
	}
	switch res.Outcome {
	case OutcomeAssigned, OutcomeDryRun:
		s.Done++
	case OutcomeUnknown:
		s.Unknown++
		list(&s.Unknowns)
	case OutcomeNotSent:
		s.NotSent++
	case OutcomePartial:
		s.Partial++
		list(&s.Failures)
	case OutcomeSkipped:
		switch res.Reason {
		case ReasonDuplicate:
			s.Duplicates++
		case ReasonRepeat:
			s.Repeats++
		default:
			s.DoneEarlier++
		}
	default:
		s.Failed++
		s.FailedBy[res.Reason]++
		list(&s.Failures)
	}
}

// BatchError is a batch that stopped early; its code is the cause's.
type BatchError struct {
	Err  error
	Code int
}

func (e *BatchError) Error() string { return e.Err.Error() }
func (e *BatchError) Unwrap() error { return e.Err }
func (e *BatchError) ExitCode() int { return e.Code }

type job struct {
	item   inputItem
	target wati.Target
	note   string  // how the target was read (the 00 prefix dropped)
	pre    *Result // decided without sending (invalid, duplicate, skipped)
	msg    uint64  // the message step as the resumed run left it (msgStarted, msgSent)
}

type batch struct {
	r      *Runner
	opts   BatchOptions
	sum    Summary
	j      *journal
	lim    *rate.Limiter
	max    float64     // configured rate (0 = none)
	cost   int         // requests per handoff
	resend bool        // may in-flight targets be sent again (idempotent PUTs)
	audit  *AuditGuard // messages sent lately by earlier runs or calls (nil: none)

	cancel context.CancelCauseFunc

	pauseUntil atomic.Int64 // unix nanos: nobody sends before
	sent       atomic.Int64 // requests started (for the observed rate)
	mu         sync.Mutex
	lastSlow   time.Time
	slowDowns  int
	fatal      error
	fatalCode  int
	consecUnav atomic.Int64
	obs        atomic.Uint64 // float64 bits: requests per second last window
	start      time.Time
}

// RunBatch hands off every target read from in (CSV with a target or
// conversation column, or one target per line). It streams: memory is that
// of a few lines plus 8 bytes per distinct target (see targetSet). It
// returns the summary, and an error (with an exit code) when the run had
// to stop early: unreadable input, journal trouble, an authentication
// failure, or Wati unavailable for many targets in a row.
//
// The steps: read the input's first line (an unreadable input leaves
// nothing behind); open the journal (resume or start afresh); run the
// producer and the workers; collect results into the report, the summary
// and the progress; then close: record the end in the journal when every
// target read has its outcome.
func (r *Runner) RunBatch(ctx context.Context, in io.Reader, opts BatchOptions) (Summary, error) {
	b := newBatch(r, opts)
	tr := newTargetReader(in)
	if err := startInput(ctx, tr); err != nil {
		return b.sum, err
	}
	if opts.Start != nil {
		if err := opts.Start(tr.columns); err != nil {
			return b.sum, err
		}
	}
	set := newTargetSet(b.opts.Total)
	if err := b.openJournal(set); err != nil {
		set.release()
		return b.sum, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.cancel = cancel
	results, inputDone := b.run(runCtx, tr, set)
	b.collect(results)
	b.close(ctx, tr, inputDone)
	return b.sum, b.err()
}

// newBatch applies the defaults and sets up the shared rate limiter.
func newBatch(r *Runner, opts BatchOptions) *batch {
	run := *r
	if run.Source == "" {
		run.Source = "batch"
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 200 * time.Millisecond
	}
	if opts.MaxRateLimitRetries == 0 {
		opts.MaxRateLimitRetries = 3
	}
	b := &batch{r: &run, opts: opts, cost: 1, resend: true, start: time.Now(),
		sum: Summary{Action: r.Action.Name, Account: r.Account, FailedBy: map[string]int{},
			Failures: []Listed{}, Unknowns: []Listed{}, DryRun: r.DryRun}}
	if r.Action.Assignee.Type == action.Team {
		b.cost = 2 // read the contact, then assign
	}
	if !Idempotent(r.Action) {
		b.resend = opts.RetryUnknown // a chatbot start is not idempotent
	}
	if r.Audit != nil && !r.DryRun && r.Action.Ext().Message != nil && !r.Again {
		b.audit = &AuditGuard{Log: r.Audit, Action: r.Action.Name}
	}
	b.max = opts.Rate
	if opts.Rate > 0 {
		b.lim = rate.NewLimiter(rate.Limit(opts.Rate), max(b.cost, int(math.Ceil(opts.Rate/20))))
	} else {
		b.lim = rate.NewLimiter(rate.Inf, b.cost)
	}
	return b
}

// openJournal opens the journal, decides whether this run resumes the
// earlier one or starts afresh, and loads what a resumed run did into set.
func (b *batch) openJournal(set *targetSet) error {
	path := b.opts.Journal
	if path == "" || b.r.DryRun {
		return nil
	}
	j, meta, err := openJournal(path)
	if err != nil {
		code := exitcode.Failure
		if !errors.Is(err, ErrJournalBusy) {
			code = exitcode.Config
		}
		return &BatchError{Err: err, Code: code}
	}
	mode := b.opts.JournalMode
	if meta.empty && mode == JournalResume {
		_ = os.Remove(path)
		_ = j.close()
		return &BatchError{Err: fmt.Errorf("%w (%s)", ErrNothingToResume, path), Code: exitcode.Usage}
	}
	now := time.Now()
	switch {
	case meta.empty:
		b.sum.JournalState = JournalNew
	case mode == JournalFresh || (meta.finished && mode != JournalResume):
		b.sum.JournalState = JournalStarted
		if meta.finished && !meta.ended.IsZero() {
			b.sum.EarlierEnded = &meta.ended
		}
	default:
		b.sum.JournalState = JournalResumed
		if !meta.began.IsZero() {
			b.sum.ResumedFrom = &meta.began
		}
	}
	if b.sum.JournalState == JournalResumed {
		err = j.replay(func(kind byte, target string) {
			if replayStep(set, kind, target) {
				return
			}
			st := stNone
			switch kind {
			case jStart:
				st = stStarted
			case jDone:
				st = stDone
			case jFailed, jNotSent:
				st = stFailed
			case jUnknown:
				st = stUnknown
			default:
				return
			}
			set.set(target, set.get(target)&^stateMask|st)
		})
	} else {
		err = j.restart(b.opts.InputKey, b.opts.InputName, now)
	}
	if err != nil {
		_ = j.close()
		return &BatchError{Err: err, Code: exitcode.Config}
	}
	b.j = j
	b.sum.Journal = path
	return nil
}

// run starts the producer, the workers and the rate tuner; results closes
// once every worker is done, inputDone once the producer is (with its
// error, if any).
func (b *batch) run(ctx context.Context, tr *targetReader, set *targetSet) (<-chan Result, <-chan error) {
	jobs := make(chan job, b.opts.Concurrency*2)
	results := make(chan Result, b.opts.Concurrency*2)
	inputDone := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer set.release()
		inputDone <- b.produce(ctx, tr, set, jobs)
	}()
	var wg sync.WaitGroup
	for range b.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.work(ctx, jobs, results)
		}()
	}
	stopTuner := make(chan struct{})
	go b.tune(stopTuner)
	go func() { wg.Wait(); close(stopTuner); close(results) }()
	return results, inputDone
}

// collect counts the results and writes the report, calling Progress on
// the way, until every worker is done.
func (b *batch) collect(results <-chan Result) {
	var rep *bufio.Writer
	var enc *json.Encoder
	if b.opts.Report != nil {
		rep = bufio.NewWriterSize(b.opts.Report, 64<<10)
		enc = json.NewEncoder(rep)
	}
	var reportErr error
	reportFailed := func(err error) {
		reportErr = err
		b.abort(fmt.Errorf("writing the report: %w", err), exitcode.Failure)
	}
	tick := time.NewTicker(b.opts.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case res, ok := <-results:
			if !ok {
				if rep != nil && reportErr == nil {
					if err := rep.Flush(); err != nil {
						reportFailed(err)
					}
				}
				return
			}
			b.sum.count(res)
			if enc != nil && reportErr == nil {
				if err := enc.Encode(res); err != nil {
					reportFailed(err)
				}
			}
		case <-tick.C:
			if rep != nil && reportErr == nil {
				if err := rep.Flush(); err != nil {
					reportFailed(err)
				}
			}
			if b.opts.Progress != nil {
				b.opts.Progress(b.progress())
			}
		}
	}
}

func (b *batch) progress() Progress {
	s := &b.sum
	el := time.Since(b.start)
	p := Progress{
		Processed: s.Total,
		Done:      s.Done, Failed: s.Failed, Unknown: s.Unknown,
		Skipped: s.DoneEarlier + s.Duplicates + s.Repeats, Total: b.opts.Total, Elapsed: el,
	}
	if sec := el.Seconds(); sec > 0 {
		p.Rate = float64(p.Processed) / sec
	}
	if l := b.lim.Limit(); l != rate.Inf {
		p.Limit = float64(l)
	}
	b.mu.Lock()
	p.SlowDowns = b.slowDowns
	b.mu.Unlock()
	return p
}

// close ends the run: the input's error (if it stopped the run), the
// figures, and the journal, whose end is recorded when every target read
// has its outcome and the input was read to its end.
func (b *batch) close(ctx context.Context, tr *targetReader, inputDone <-chan error) {
	// The producer is done unless it is blocked reading an input that
	// never ends (stdin after Ctrl-C); then leave it.
	readAll := false
	select {
	case inputErr := <-inputDone:
		b.sum.Format = tr.Format()
		switch {
		case inputErr == nil:
			readAll = true
		case !errors.Is(inputErr, context.Canceled):
			b.abort(inputErr, exitCodeOf(inputErr))
		}
	case <-time.After(50 * time.Millisecond):
	}
	el := time.Since(b.start)
	b.sum.ElapsedMS = el.Milliseconds()
	if sec := el.Seconds(); sec > 0 {
		b.sum.Rate = math.Round(float64(b.sum.Done+b.sum.Failed+b.sum.Unknown)/sec*10) / 10
	}
	b.mu.Lock()
	b.sum.SlowDowns = b.slowDowns
	fatal := b.fatal
	b.mu.Unlock()
	if b.opts.Progress != nil {
		b.opts.Progress(b.progress())
	}
	if ctx.Err() != nil && fatal == nil {
		b.sum.Cancelled = true
	}
	if fatal != nil {
		b.sum.Aborted = fatal.Error()
	}
	b.sum.Finished = readAll && fatal == nil && !b.sum.Cancelled
	if b.j == nil {
		return
	}
	var jerr error
	if b.sum.Finished {
		jerr = b.j.finish(time.Now())
	}
	if err := b.j.close(); jerr == nil {
		jerr = err
	}
	if jerr != nil {
		b.sum.Finished = false
		if fatal == nil {
			b.abort(jerr, exitcode.Failure)
			b.sum.Aborted = jerr.Error()
		}
	}
}

// err is the error that stopped the run, if any.
func (b *batch) err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fatal != nil {
		return &BatchError{Err: b.fatal, Code: b.fatalCode}
	}
	return nil
}

// startInput reads the input up to its first target, giving up when ctx
// ends (stdin that never sends a line, then Ctrl-C).
func startInput(ctx context.Context, tr *targetReader) error {
	done := make(chan error, 1)
	go func() { done <- tr.start() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			err = &InputError{err}
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// abort stops the run for good, keeping the first cause.
func (b *batch) abort(err error, code int) {
	b.mu.Lock()
	if b.fatal == nil {
		b.fatal, b.fatalCode = err, code
	}
	b.mu.Unlock()
	b.cancel(err)
}

// produce reads targets and decides what needs sending.
func (b *batch) produce(ctx context.Context, tr *targetReader, set *targetSet, jobs chan<- job) error {
	send := func(jb job) bool {
		if ctx.Err() != nil {
			return false
		}
		select {
		case jobs <- jb:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		it, err := tr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				err = &InputError{err}
			}
			return err
		}
		jb := job{item: it}
		t, note, perr := wati.ParseTargetNote(it.raw)
		if perr != nil || it.raw == "" || it.bad != "" {
			switch {
			case it.bad != "":
				perr = errors.New(it.bad)
			case perr == nil:
				perr = errors.New("no target on this line")
			}
			res := b.base(it, it.raw)
			res.Outcome, res.Reason = OutcomeFailed, ReasonInvalidTarget
			res.Err = &usageError{perr}
			res.Error = perr.Error()
			jb.pre = &res
			if !send(jb) {
				return ctx.Err()
			}
			continue
		}
		key := t.String()
		flags := set.get(key)
		if flags&seenBit != 0 {
			res := b.base(it, key)
			res.OK, res.Outcome, res.Reason, res.Error = true, OutcomeSkipped, ReasonDuplicate, "duplicate of an earlier line"
			jb.pre = &res
		} else {
			set.set(key, flags|seenBit)
			switch flags & stateMask {
			case stDone:
				res := b.base(it, key)
				res.OK, res.Outcome, res.Reason, res.Error = true, OutcomeSkipped, ReasonDoneEarlier, "done by the run this one resumes (journal)"
				jb.pre = &res
			case stStarted, stUnknown:
				if !b.resend {
					res := b.base(it, key)
					res.Outcome, res.Reason = OutcomeUnknown, ReasonInterrupted
					res.Error = "the run this one resumes started this chatbot and stopped before knowing whether Wati received it; not resent (check the conversation, then re-run with --retry-unknown to send it again)"
					res.Err = unknownErr{errors.New(res.Error)}
					jb.pre = &res
				}
			}
		}
		jb.target, jb.note, jb.msg = t, note, flags&(msgStarted|msgSent)
		if !send(jb) {
			return ctx.Err()
		}
	}
}

type unknownErr struct{ error }

func (unknownErr) ExitCode() int { return exitcode.Unknown }

func (b *batch) base(it inputItem, target string) Result {
	return Result{
		Action: b.r.Action.Name, Account: b.r.Account, Target: target,
		Assignee: b.r.Action.Assignee.Describe(), API: b.r.Client.API(),
		Kind: kindOf(b.r.Action.Assignee), Line: it.line, Requests: []wati.Request{},
	}
}

func (b *batch) work(ctx context.Context, jobs <-chan job, results chan<- Result) {
	for {
		var jb job
		var ok bool
		select {
		case jb, ok = <-jobs:
			if !ok {
				return
			}
		case <-ctx.Done():
			// Account for what was queued, without waiting for an input
			// that may never end (stdin after Ctrl-C).
			for {
				select {
				case jb, ok := <-jobs:
					if !ok {
						return
					}
					results <- b.unsent(jb)
				default:
					return
				}
			}
		}
		if jb.pre != nil || ctx.Err() != nil {
			results <- b.unsent(jb)
			continue
		}
		results <- b.process(ctx, jb)
	}
}

// unsent is the result of a job that was decided without sending, or
// that the run ended before sending.
func (b *batch) unsent(jb job) Result {
	if jb.pre != nil {
		if jb.pre.Outcome == OutcomeUnknown {
			// An interrupted chatbot start may have happened: the audit
			// log must say so, for the repeat check of later runs.
			b.r.audit(jb.pre)
		}
		return *jb.pre
	}
	res := b.base(jb.item, jb.target.String())
	res.Outcome, res.Reason, res.Error = OutcomeNotSent, ReasonCancelled, "cancelled before it was sent"
	b.mu.Lock()
	if b.fatal != nil {
		res.Reason, res.Error = ReasonStopped, "not sent: the run stopped first ("+b.fatal.Error()+")"
	}
	b.mu.Unlock()
	res.Err = context.Canceled
	return res
}

// process sends one target: journal "sent" first (on disk before a chatbot
// start), then the handoff, then the outcome.
func (b *batch) process(ctx context.Context, jb job) Result {
	key := jb.target.String()
	if !b.r.Again && !Idempotent(b.r.Action) {
		if rec, ok := b.r.Repeats.Check(key); ok {
			res := b.r.repeatResult(key, rec, b.r.Repeats.Window)
			res.Line = jb.item.line
			b.r.audit(&res)
			return res
		}
	}
	if b.j != nil {
		seq, err := b.j.record(jStart, key, "")
		if err == nil && !b.resend {
			err = b.j.syncTo(seq)
		}
		if err != nil {
			b.abort(err, exitcode.Failure)
			return b.unsent(jb)
		}
	}
	var res Result
	for attempt := 0; ; attempt++ {
		if err := b.wait(ctx); err != nil {
			// Cancelled before sending (the first time, or while waiting
			// out a 429): surely not sent.
			if b.j != nil {
				_, _ = b.j.record(jNotSent, key, "cancelled before sending")
			}
			if attempt > 0 {
				res.Outcome, res.Reason = OutcomeNotSent, ReasonCancelled
				res.Error = "cancelled while waiting out Wati's 429; not sent again"
				res.Err, res.Line = context.Canceled, jb.item.line
				return res
			}
			return b.unsent(jb)
		}
		res = b.runner(jb).Run(ctx, jb.target)
		// Any 429 on the way, even one the client's own retries got
		// past, slows the whole run down.
		if ra, hit := saw429(res); hit {
			b.slowDown(ra)
		}
		if res.OK || ctx.Err() != nil || !isRateLimited(res.Err) || attempt >= b.opts.MaxRateLimitRetries {
			break
		}
	}
	res.Line = jb.item.line
	if jb.note != "" {
		res.Warnings = append([]string{jb.note}, res.Warnings...)
	}
	b.observe(res)
	if b.j != nil {
		var err error
		switch {
		case res.OK, res.Outcome == OutcomePartial:
			// Partial: handed off (a later step failed); resending would
			// repeat what was done.
			_, err = b.j.record(jDone, key, "")
		case res.Outcome == OutcomeNotSent:
			_, err = b.j.record(jNotSent, key, res.Error)
		case ctx.Err() != nil && exitCodeOf(res.Err) == exitcode.Cancel:
			// Interrupted in flight: leave the "sent" record; a re-run
			// decides (resend a PUT, report a chatbot start unknown).
		case res.Outcome == OutcomeUnknown:
			_, err = b.j.record(jUnknown, key, res.Error)
		default:
			_, err = b.j.record(jFailed, key, res.Reason)
		}
		if err != nil {
			b.abort(err, exitcode.Failure)
		}
	}
	return res
}

// observe stops the run when continuing is pointless: the token is refused,
// the account or action is wrong, or Wati has been unavailable for many
// targets in a row.
func (b *batch) observe(res Result) {
	if res.OK {
		b.consecUnav.Store(0)
		return
	}
	switch code := exitCodeOf(res.Err); code {
	case exitcode.Auth, exitcode.Config:
		b.abort(fmt.Errorf("%s: %w", res.Target, res.Err), code)
	case exitcode.Unavailable:
		if !isRateLimited(res.Err) && b.consecUnav.Add(1) >= int64(max(20, 2*b.opts.Concurrency)) {
			b.abort(fmt.Errorf("stopped: Wati was unavailable for %d targets in a row (last: %s)", b.consecUnav.Load(), res.Error), exitcode.Unavailable)
		}
	default:
		b.consecUnav.Store(0)
	}
}

// wait blocks until this worker may send: after any pause a 429 imposed,
// and within the shared request rate.
func (b *batch) wait(ctx context.Context) error {
	for {
		until := b.pauseUntil.Load()
		d := time.Until(time.Unix(0, until))
		if until == 0 || d <= 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := b.lim.WaitN(ctx, b.cost); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	b.sent.Add(int64(b.cost))
	return nil
}

// slowDown halves the shared rate (starting from the rate observed when
// there was no limit) and pauses every worker for retryAfter (at least a
// second). Several 429s in a burst count once.
func (b *batch) slowDown(retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if retryAfter <= 0 {
		retryAfter = time.Second
	}
	if retryAfter > time.Minute {
		retryAfter = time.Minute
	}
	if until := now.Add(retryAfter).UnixNano(); until > b.pauseUntil.Load() {
		b.pauseUntil.Store(until)
	}
	if now.Sub(b.lastSlow) < time.Second {
		return
	}
	b.lastSlow = now
	b.slowDowns++
	cur := float64(b.lim.Limit())
	if b.lim.Limit() == rate.Inf {
		cur = b.observedRate()
	}
	next := math.Max(cur/2, 0.5)
	b.lim.SetLimit(rate.Limit(next))
	b.lim.SetBurst(b.cost)
}

// observedRate is the request rate of the last tuning window.
func (b *batch) observedRate() float64 {
	if r := math.Float64frombits(b.obs.Load()); r > 0 {
		return r
	}
	// Before the first window closes: the average so far.
	if el := time.Since(b.start).Seconds(); el > 0.01 {
		return math.Max(float64(b.sent.Load())/el, 1)
	}
	return 10
}

// tune measures the request rate and, after 5 quiet seconds without a
// 429, raises a lowered limit again by a quarter, up to the configured rate.
func (b *batch) tune(stop <-chan struct{}) {
	const every = time.Second
	t := time.NewTicker(every)
	defer t.Stop()
	last := b.sent.Load()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		n := b.sent.Load()
		b.obs.Store(math.Float64bits(float64(n-last) / every.Seconds()))
		last = n
		b.mu.Lock()
		quiet := !b.lastSlow.IsZero() && time.Since(b.lastSlow) > 5*time.Second
		if quiet && b.lim.Limit() != rate.Inf {
			cur := float64(b.lim.Limit())
			next := cur * 1.25
			switch {
			case b.max > 0 && next >= b.max:
				b.lim.SetLimit(rate.Limit(b.max))
				b.lim.SetBurst(max(b.cost, int(math.Ceil(b.max/20))))
				b.lastSlow = time.Time{}
			case b.max == 0 && next > 4*b.observedRate()+100:
				b.lim.SetLimit(rate.Inf)
				b.lastSlow = time.Time{}
			default:
				b.lim.SetLimit(rate.Limit(next))
			}
		}
		b.mu.Unlock()
	}
}

// isRateLimited recognises Wati's 429 after the client's own retries.
func isRateLimited(err error) bool {
	var we *wati.Error
	return errors.As(err, &we) && (we.Kind == wati.KindRateLimited || we.Status == 429)
}

// saw429 reports whether any attempt of a handoff was answered 429, and
// the Retry-After asked for, if known.
func saw429(res Result) (time.Duration, bool) {
	hit := isRateLimited(res.Err)
	for _, r := range res.Requests {
		if r.Status == 429 {
			hit = true
		}
	}
	return retryAfterOf(res.Err), hit
}

// retryAfterOf reads a Retry-After the error carries, if any.
func retryAfterOf(err error) time.Duration {
	var we *wati.Error
	if errors.As(err, &we) {
		return we.RetryAfter
	}
	return 0
}

// FailedReasons lists the reasons of a summary, most frequent first.
func (s Summary) FailedReasons() []string {
	keys := make([]string, 0, len(s.FailedBy))
	for k := range s.FailedBy {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if s.FailedBy[keys[i]] != s.FailedBy[keys[j]] {
			return s.FailedBy[keys[i]] > s.FailedBy[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
