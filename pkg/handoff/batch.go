package handoff

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// BatchOptions configure RunBatch.
type BatchOptions struct {
	Concurrency int     // workers; 0 = 8
	Rate        float64 // requests per second shared by all workers; 0 = no limit

	// Journal is the journal file; "" = none. Dry runs never journal.
	Journal string
	// RemoveJournal deletes the journal once every target is done (used
	// for the default journal, so that the same command run again later
	// starts afresh instead of skipping everything).
	RemoveJournal bool
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
	Skipped   int // done earlier (journal) or duplicates
	Total     int // expected (0 = unknown)
	Elapsed   time.Duration
	Rate      float64 // targets processed per second
	Limit     float64 // current client-side request limit; 0 = none
	SlowDowns int
}

// Summary is the account of a whole batch.
type Summary struct {
	Action     string         `json:"action"`
	Account    string         `json:"account"`
	Total      int            `json:"total"`      // targets read
	Done       int            `json:"done"`       // handed off (or dry-run) now
	Failed     int            `json:"failed"`     // refused or not sent
	FailedBy   map[string]int `json:"failed_by"`  // failures by reason
	Unknown    int            `json:"unknown"`    // outcome unknown
	Skipped    int            `json:"skipped"`    // done in an earlier run (journal)
	Duplicates int            `json:"duplicates"` // repeated targets, handed off once
	NotRun     int            `json:"not_run"`    // read but not sent (cancelled or aborted)
	ElapsedMS  int64          `json:"elapsed_ms"`
	Rate       float64        `json:"rate"`      // targets per second
	SlowDowns  int            `json:"slowdowns"` // times the run slowed down after a 429
	DryRun     bool           `json:"dry_run,omitempty"`
	Format     string         `json:"input_format,omitempty"` // csv | lines
	Journal    string         `json:"journal,omitempty"`      // kept journal ("" when none or removed)
	Cancelled  bool           `json:"cancelled,omitempty"`
	Aborted    string         `json:"aborted,omitempty"` // why the run stopped early
}

// ExitCode: 0 all succeeded; 1 any failed; 7 none failed but some
// outcomes are unknown; 130 cancelled.
func (s Summary) ExitCode() int {
	switch {
	case s.Cancelled:
		return exitcode.Cancel
	case s.Failed > 0:
		return exitcode.Failure
	case s.Unknown > 0:
		return exitcode.Unknown
	case s.NotRun > 0:
		return exitcode.Failure
	}
	return exitcode.OK
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
	pre    *Result // decided without sending (invalid, duplicate, skipped)
}

type batch struct {
	r      *Runner
	opts   BatchOptions
	j      *journal
	lim    *rate.Limiter
	max    float64 // configured rate (0 = none)
	cost   int     // requests per handoff
	resend bool    // may in-flight targets be sent again (idempotent PUTs)

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
func (r *Runner) RunBatch(ctx context.Context, in io.Reader, opts BatchOptions) (Summary, error) {
	start := time.Now()
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
	sum := Summary{Action: r.Action.Name, Account: r.Account, FailedBy: map[string]int{}, DryRun: r.DryRun}
	b := &batch{r: &run, opts: opts, cost: 1, resend: true, start: start}
	a := r.Action.Assignee
	if a.Type == action.Team {
		b.cost = 2 // read the contact, then assign
	}
	if a.Type == action.Bot && a.BotID != "" {
		b.resend = opts.RetryUnknown // a chatbot start is not idempotent
	}
	b.max = opts.Rate
	if opts.Rate > 0 {
		b.lim = rate.NewLimiter(rate.Limit(opts.Rate), max(b.cost, int(math.Ceil(opts.Rate/20))))
	} else {
		b.lim = rate.NewLimiter(rate.Inf, b.cost)
	}

	// Read the first line before anything is written: an input that
	// cannot be read at all (a CSV without a target column) leaves no
	// journal behind and reports no summary.
	tr := newTargetReader(in)
	if err := startInput(ctx, tr); err != nil {
		return sum, err
	}
	if opts.Start != nil {
		if err := opts.Start(tr.columns); err != nil {
			return sum, err
		}
	}

	set := newTargetSet(opts.Total)
	if opts.Journal != "" && !r.DryRun {
		j, err := openJournal(opts.Journal, func(kind byte, target string) {
			st := stNone
			switch kind {
			case jStart:
				st = stStarted
			case jDone:
				st = stDone
			case jFailed:
				st = stFailed
			case jUnknown:
				st = stUnknown
			default:
				return
			}
			set.set(target, st)
		})
		if err != nil {
			set.release()
			code := exitcode.Failure
			if !errors.Is(err, ErrJournalBusy) {
				code = exitcode.Config
			}
			return sum, &BatchError{Err: err, Code: code}
		}
		b.j = j
		sum.Journal = opts.Journal
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b.cancel = cancel

	jobs := make(chan job, opts.Concurrency*2)
	results := make(chan Result, opts.Concurrency*2)
	var inputErr error
	producerDone := make(chan struct{})
	go func() {
		defer close(producerDone)
		defer close(jobs)
		defer set.release()
		inputErr = b.produce(runCtx, tr, set, jobs)
	}()

	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.work(runCtx, jobs, results)
		}()
	}
	stopTuner := make(chan struct{})
	go b.tune(stopTuner)
	go func() { wg.Wait(); close(results) }()

	// Collect: report, counts, progress.
	var rep *bufio.Writer
	var enc *json.Encoder
	if opts.Report != nil {
		rep = bufio.NewWriterSize(opts.Report, 64<<10)
		enc = json.NewEncoder(rep)
	}
	var reportErr error
	tick := time.NewTicker(opts.ProgressEvery)
	defer tick.Stop()
	snapshot := func() Progress {
		el := time.Since(start)
		p := Progress{
			Processed: sum.Done + sum.Failed + sum.Unknown + sum.Skipped + sum.Duplicates,
			Done:      sum.Done, Failed: sum.Failed, Unknown: sum.Unknown,
			Skipped: sum.Skipped + sum.Duplicates, Total: opts.Total, Elapsed: el,
		}
		if s := el.Seconds(); s > 0 {
			p.Rate = float64(p.Processed) / s
		}
		if l := b.lim.Limit(); l != rate.Inf {
			p.Limit = float64(l)
		}
		b.mu.Lock()
		p.SlowDowns = b.slowDowns
		b.mu.Unlock()
		return p
	}
loop:
	for {
		select {
		case res, ok := <-results:
			if !ok {
				break loop
			}
			sum.Total++
			switch {
			case res.Reason == "not-run":
				sum.NotRun++
				continue
			case res.Outcome == OutcomeAssigned || res.Outcome == OutcomeDryRun:
				sum.Done++
			case res.Outcome == OutcomeUnknown:
				sum.Unknown++
			case res.Outcome == OutcomeSkipped && res.Reason == "duplicate":
				sum.Duplicates++
			case res.Outcome == OutcomeSkipped:
				sum.Skipped++
			default:
				sum.Failed++
				sum.FailedBy[res.Reason]++
			}
			if enc != nil && reportErr == nil {
				if reportErr = enc.Encode(res); reportErr != nil {
					b.abort(fmt.Errorf("writing the report: %w", reportErr), exitcode.Failure)
				}
			}
		case <-tick.C:
			if rep != nil && reportErr == nil {
				reportErr = rep.Flush()
			}
			if opts.Progress != nil {
				opts.Progress(snapshot())
			}
		}
	}
	close(stopTuner)
	if rep != nil && reportErr == nil {
		if err := rep.Flush(); err != nil {
			reportErr = err
			b.abort(fmt.Errorf("writing the report: %w", err), exitcode.Failure)
		}
	}
	// The producer is done unless it is blocked reading an input that
	// never ends (stdin after Ctrl-C); then leave it.
	select {
	case <-producerDone:
		sum.Format = tr.Format()
		if inputErr != nil && !errors.Is(inputErr, context.Canceled) {
			b.abort(inputErr, exitCodeOf(inputErr))
		}
	case <-time.After(50 * time.Millisecond):
	}

	el := time.Since(start)
	sum.ElapsedMS = el.Milliseconds()
	if s := el.Seconds(); s > 0 {
		sum.Rate = math.Round(float64(sum.Done+sum.Failed+sum.Unknown)/s*10) / 10
	}
	sum.SlowDowns = b.slowDowns
	if opts.Progress != nil {
		opts.Progress(snapshot())
	}
	b.mu.Lock()
	fatal, fatalCode := b.fatal, b.fatalCode
	b.mu.Unlock()
	if ctx.Err() != nil && fatal == nil {
		sum.Cancelled = true
	}
	if fatal != nil {
		sum.Aborted = fatal.Error()
	}
	if b.j != nil {
		allDone := fatal == nil && !sum.Cancelled && sum.Failed == 0 && sum.Unknown == 0 && sum.NotRun == 0
		var jerr error
		if allDone && opts.RemoveJournal {
			jerr = b.j.remove()
			sum.Journal = ""
		} else {
			jerr = b.j.close()
		}
		if jerr != nil && fatal == nil {
			fatal, fatalCode = jerr, exitcode.Failure
			sum.Aborted = jerr.Error()
		}
	}
	if fatal != nil {
		return sum, &BatchError{Err: fatal, Code: fatalCode}
	}
	return sum, nil
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
		t, perr := wati.ParseTarget(it.raw)
		if perr != nil || it.raw == "" {
			if perr == nil {
				perr = errors.New("no target on this line")
			}
			res := b.base(it, it.raw)
			res.Outcome, res.Reason = OutcomeFailed, "invalid-target"
			res.Err = &usageError{perr}
			res.Error = fmt.Sprintf("line %d: %v", it.line, perr)
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
			res.OK, res.Outcome, res.Reason, res.Error = true, OutcomeSkipped, "duplicate", "duplicate of an earlier line"
			jb.pre = &res
		} else {
			set.set(key, flags|seenBit)
			switch flags & stateMask {
			case stDone:
				res := b.base(it, key)
				res.OK, res.Outcome, res.Reason, res.Error = true, OutcomeSkipped, "journal", "done in an earlier run (journal)"
				jb.pre = &res
			case stStarted, stUnknown:
				if !b.resend {
					res := b.base(it, key)
					res.Outcome, res.Reason = OutcomeUnknown, "unknown"
					res.Error = "an earlier run started this chatbot and stopped before knowing whether Wati received it; not resent (check the conversation, then re-run with --retry-unknown to send it again)"
					res.Err = unknownErr{errors.New(res.Error)}
					jb.pre = &res
				}
			}
		}
		jb.target = t
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
			// Drain what was queued so that it is counted.
			for jb := range jobs {
				if jb.pre != nil {
					results <- *jb.pre
					continue
				}
				res := b.base(jb.item, jb.target.String())
				res.Reason = "not-run"
				results <- res
			}
			return
		}
		if jb.pre != nil {
			results <- *jb.pre
			continue
		}
		if ctx.Err() != nil {
			res := b.base(jb.item, jb.target.String())
			res.Reason = "not-run"
			results <- res
			continue
		}
		results <- b.process(ctx, jb)
	}
}

// process sends one target: journal "sent" first (on disk before a chatbot
// start), then the handoff, then the outcome.
func (b *batch) process(ctx context.Context, jb job) Result {
	key := jb.target.String()
	if b.j != nil {
		seq, err := b.j.record(jStart, key, "")
		if err == nil && !b.resend {
			err = b.j.syncTo(seq)
		}
		if err != nil {
			b.abort(err, exitcode.Failure)
			res := b.base(jb.item, key)
			res.Reason = "not-run"
			return res
		}
	}
	var res Result
	for attempt := 0; ; attempt++ {
		if err := b.wait(ctx); err != nil {
			// Cancelled before sending: the journal's "sent" record
			// stays, which is safe (a PUT is resent, a chatbot start is
			// reported unknown) but we know better here.
			if b.j != nil {
				_, _ = b.j.record(jFailed, key, "cancelled before sending")
			}
			res = b.base(jb.item, key)
			res.Reason = "not-run"
			return res
		}
		res = b.r.Run(ctx, jb.target)
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
	b.observe(res)
	if b.j != nil {
		var err error
		switch {
		case res.OK:
			_, err = b.j.record(jDone, key, "")
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
		b.abort(fmt.Errorf("stopped: %s", res.Error), code)
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
