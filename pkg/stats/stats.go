// Package stats measures time to a human: for each handoff to a person (an
// operator or a team) in the audit log, when a person first replied in the
// conversation, or that nobody has yet. It reads Wati's documented message
// list (GET conversations/{target}/messages: owner, operator_name,
// event_type, created), paged and rate-paced, and keeps a cache so that a
// re-run asks nothing about settled handoffs. It never prints.
package stats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/handoff-dev/handoff/pkg/conversation"
	"github.com/handoff-dev/handoff/pkg/fsutil"
	"github.com/handoff-dev/handoff/pkg/handoff"
	"github.com/handoff-dev/handoff/pkg/wati"
)

// Defaults.
const (
	// DefaultRate is message reads per second; with DefaultBurst it is
	// Wati's published limit for getMessages, 10 requests per 10 seconds.
	DefaultRate  = 1.0
	DefaultBurst = 10
	// CacheFile is the cache's name in the cache folder.
	CacheFile = "stats-cache.json"

	pageSize = 100
	maxPages = 20 // per conversation and run: 2,000 events back at most
)

// Options configure Compute.
type Options struct {
	Since  time.Time // zero: every handoff in the audit log
	Action string    // "": every action
	Audit  *handoff.AuditLog
	Client func(account string, dryRun bool) (*wati.Client, error)
	// CachePath is the cache file ("": no cache).
	CachePath string
	Rate      float64 // message reads per second; 0: DefaultRate
	Burst     int     // 0: DefaultBurst
	Now       func() time.Time
	// Progress, when set, is called after each conversation is read.
	Progress func(done, total int)
}

// Handoff is one handoff to a person and what followed it.
type Handoff struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Account  string    `json:"account"`
	Target   string    `json:"target"`
	Assignee string    `json:"assignee"`
	Kind     string    `json:"kind"` // operator | teams
	// State is answered (a person replied), waiting (nobody yet) or
	// unknown (the messages could not be read: Error says why).
	State      string     `json:"state"`
	FirstReply *time.Time `json:"first_reply,omitempty"`
	RepliedBy  string     `json:"replied_by,omitempty"` // the operator_name of the reply
	WaitMS     *int64     `json:"wait_ms,omitempty"`    // first reply minus handoff
	Until      *time.Time `json:"until,omitempty"`      // the next handoff or release of the conversation: replies after it do not count
	Error      string     `json:"error,omitempty"`
	Cached     bool       `json:"cached"` // settled in an earlier run: no call made
}

// States of a Handoff.
const (
	StateAnswered = "answered"
	StateWaiting  = "waiting"
	StateUnknown  = "unknown"
)

// Group is one action and assignee.
type Group struct {
	Action      string  `json:"action"`
	Assignee    string  `json:"assignee"`
	Count       int     `json:"count"`
	Answered    int     `json:"answered"`
	NotAnswered int     `json:"not_answered"`
	Unknown     int     `json:"unknown"`
	MedianMS    *int64  `json:"median_ms"` // null: nothing answered
	P90MS       *int64  `json:"p90_ms"`
	WaitsMS     []int64 `json:"waits_ms"` // every answered wait, sorted (the chart's data)
}

// Report is what Compute found.
type Report struct {
	GeneratedAt time.Time  `json:"generated_at"`
	Since       *time.Time `json:"since,omitempty"`
	Action      string     `json:"action,omitempty"`
	Groups      []Group    `json:"groups"`
	Handoffs    []Handoff  `json:"handoffs"`
	// Calls is the number of message reads sent; Cached the handoffs
	// settled by an earlier run (no call); Skipped the handoffs to a bot
	// or chatbot, which no person answers.
	Calls   int      `json:"calls"`
	Cached  int      `json:"cached"`
	Skipped int      `json:"skipped_bot_handoffs"`
	Notes   []string `json:"notes,omitempty"`
}

// cacheEntry is one settled handoff.
type cacheEntry struct {
	State      string     `json:"state"`
	FirstReply *time.Time `json:"first_reply,omitempty"`
	RepliedBy  string     `json:"replied_by,omitempty"`
}

type cacheFile struct {
	Version  int                   `json:"version"`
	Settled  map[string]cacheEntry `json:"settled"`
	Warnings []string              `json:"-"`
}

func key(h Handoff) string {
	return h.Account + "\x1f" + h.Target + "\x1f" + h.Time.UTC().Format(time.RFC3339Nano)
}

func loadCache(path string) (*cacheFile, error) {
	c := &cacheFile{Version: 1, Settled: map[string]cacheEntry{}}
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	var v cacheFile
	if json.Unmarshal(b, &v) != nil || v.Version != 1 || v.Settled == nil {
		c.Warnings = append(c.Warnings, "the stats cache "+path+" was unreadable and is rebuilt")
		return c, nil
	}
	return &v, nil
}

func (c *cacheFile) save(path string) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(path, append(b, '\n'), 0o600, fsutil.Options{DirPerm: 0o700})
}

// Compute builds the report. Per-conversation read failures are reported
// in the handoffs (state unknown), not as an error; the error is for an
// unreadable audit log or a cancelled context.
func Compute(ctx context.Context, o Options) (Report, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	rep := Report{GeneratedAt: now().UTC(), Action: o.Action, Groups: []Group{}, Handoffs: []Handoff{}}
	if !o.Since.IsZero() {
		s := o.Since.UTC()
		rep.Since = &s
	}
	if o.Audit == nil {
		return rep, nil
	}
	recs, _, err := o.Audit.Read(handoff.AuditFilter{Since: o.Since})
	if err != nil {
		return rep, err
	}
	hs := handoffsOf(recs, o.Action, &rep)
	cache, err := loadCache(o.CachePath)
	if err != nil {
		rep.Notes = append(rep.Notes, "stats cache: "+err.Error())
	}
	rep.Notes = append(rep.Notes, cache.Warnings...)

	// Settled handoffs come from the cache; the rest are read, one
	// conversation at a time, however many handoffs it had.
	type convKey struct{ account, target string }
	todo := map[convKey][]int{}
	var order []convKey
	for i := range hs {
		if e, ok := cache.Settled[key(hs[i])]; ok {
			hs[i].State, hs[i].FirstReply, hs[i].RepliedBy, hs[i].Cached = e.State, e.FirstReply, e.RepliedBy, true
			rep.Cached++
			continue
		}
		k := convKey{hs[i].Account, hs[i].Target}
		if _, ok := todo[k]; !ok {
			order = append(order, k)
		}
		todo[k] = append(todo[k], i)
	}
	r := o.Rate
	if r <= 0 {
		r = DefaultRate
	}
	burst := o.Burst
	if burst <= 0 {
		burst = DefaultBurst
	}
	lim := rate.NewLimiter(rate.Limit(r), burst)
	clients := map[string]*wati.Client{}
	clientErr := map[string]error{}
	for n, k := range order {
		idx := todo[k]
		c, cerr := clients[k.account], clientErr[k.account]
		if c == nil && cerr == nil {
			c, cerr = o.Client(k.account, false)
			clients[k.account], clientErr[k.account] = c, cerr
		}
		var events []conversation.Event
		if cerr == nil {
			oldest := hs[idx[0]].Time
			events, err = readSince(ctx, c, lim, k.target, oldest, &rep.Calls)
		} else {
			err = cerr
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		for _, i := range idx {
			if err != nil {
				hs[i].State, hs[i].Error = StateUnknown, oneLine(err.Error())
				continue
			}
			firstReply(&hs[i], events)
			if settled(hs[i], now()) {
				cache.Settled[key(hs[i])] = cacheEntry{State: hs[i].State, FirstReply: hs[i].FirstReply, RepliedBy: hs[i].RepliedBy}
			}
		}
		if o.Progress != nil {
			o.Progress(n+1, len(order))
		}
	}
	for i := range hs {
		if hs[i].FirstReply != nil {
			w := hs[i].FirstReply.Sub(hs[i].Time).Milliseconds()
			if w < 0 {
				w = 0 // the clocks of this machine and Wati differ a little
			}
			hs[i].WaitMS = &w
		}
	}
	if err := cache.save(o.CachePath); err != nil {
		rep.Notes = append(rep.Notes, "stats cache not saved: "+err.Error())
	}
	rep.Handoffs = hs
	rep.Groups = groups(hs)
	return rep, nil
}

// handoffsOf keeps the successful handoffs to a person (of action, when
// given), each with the time of the next record of its conversation.
func handoffsOf(recs []handoff.AuditRecord, action string, rep *Report) []Handoff {
	var hs []Handoff
	var ends [][2]int // for each handoff, its record index
	for i, r := range recs {
		if !r.OK || r.Outcome != handoff.OutcomeAssigned && r.Outcome != conversation.OutcomeReleased {
			continue
		}
		if action != "" && r.Action != action {
			continue
		}
		switch conversation.KindOf(r) {
		case "operator", "teams":
		case conversation.KindRelease:
			continue
		default:
			rep.Skipped++
			continue
		}
		hs = append(hs, Handoff{Time: r.Time, Action: r.Action, Account: r.Account, Target: r.Target,
			Assignee: r.Assignee, Kind: conversation.KindOf(r), State: StateWaiting})
		ends = append(ends, [2]int{i, len(hs) - 1})
	}
	for _, e := range ends {
		h := &hs[e[1]]
		t, err := wati.ParseTarget(h.Target)
		if err != nil {
			continue
		}
		for _, r := range recs[e[0]+1:] {
			if r.OK && r.Account == h.Account && conversation.SameTarget(r.Target, t) {
				u := r.Time
				h.Until = &u
				break
			}
		}
	}
	if hs == nil {
		hs = []Handoff{}
	}
	return hs
}

// readSince reads the conversation's events back to since: page after page
// (newest first, as Wati's example and the sandbox give them) until a page
// reaches back past since, is short, or brings nothing new.
func readSince(ctx context.Context, c *wati.Client, lim *rate.Limiter, target string, since time.Time, calls *int) ([]conversation.Event, error) {
	t, err := wati.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	var all []wati.Message
	seen := map[string]bool{}
	for page := 1; page <= maxPages; page++ {
		if err := lim.Wait(ctx); err != nil {
			return nil, err
		}
		msgs, err := c.ListMessages(ctx, t, page, pageSize)
		*calls++
		if err != nil {
			return nil, err
		}
		fresh, older := 0, false
		for _, m := range msgs {
			id := m.ID + "\x1f" + m.Created
			if !seen[id] {
				seen[id] = true
				all = append(all, m)
				fresh++
			}
			if ts, ok := conversation.ParseCreated(m.Created); ok && ts.Before(since) {
				older = true
			}
		}
		if len(msgs) < pageSize || fresh == 0 || older {
			break
		}
	}
	return conversation.Events(all), nil
}

// IsHumanReply reports whether an event is a person's message to the
// customer: a message (event_type message, or none given) sent by the
// business (owner) with an operator's name.
func IsHumanReply(e conversation.Event) bool {
	return e.Owner && e.OperatorName != "" && (e.EventType == "" || strings.EqualFold(e.EventType, "message"))
}

// firstReply finds the first human reply after h and before h.Until.
func firstReply(h *Handoff, events []conversation.Event) {
	h.State = StateWaiting
	for _, e := range events {
		if e.Created.Before(h.Time) {
			continue
		}
		if h.Until != nil && e.Created.After(*h.Until) {
			break
		}
		if IsHumanReply(e) {
			t := e.Created
			h.State, h.FirstReply, h.RepliedBy = StateAnswered, &t, e.OperatorName
			return
		}
	}
}

// settled: nothing later can change the answer (a reply was found, or the
// conversation was handed on and its window is fully read).
func settled(h Handoff, now time.Time) bool {
	return h.State == StateAnswered || h.State == StateWaiting && h.Until != nil && now.After(*h.Until)
}

func groups(hs []Handoff) []Group {
	type gk struct{ action, assignee string }
	m := map[gk]*Group{}
	var keys []gk
	for _, h := range hs {
		k := gk{h.Action, h.Assignee}
		g := m[k]
		if g == nil {
			g = &Group{Action: h.Action, Assignee: h.Assignee, WaitsMS: []int64{}}
			m[k] = g
			keys = append(keys, k)
		}
		g.Count++
		switch h.State {
		case StateAnswered:
			g.Answered++
			if h.WaitMS != nil {
				g.WaitsMS = append(g.WaitsMS, *h.WaitMS)
			}
		case StateWaiting:
			g.NotAnswered++
		default:
			g.Unknown++
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].action != keys[j].action {
			return keys[i].action < keys[j].action
		}
		return keys[i].assignee < keys[j].assignee
	})
	out := make([]Group, 0, len(keys))
	for _, k := range keys {
		g := m[k]
		sort.Slice(g.WaitsMS, func(i, j int) bool { return g.WaitsMS[i] < g.WaitsMS[j] })
		if n := len(g.WaitsMS); n > 0 {
			med, p90 := Median(g.WaitsMS), Percentile(g.WaitsMS, 90)
			g.MedianMS, g.P90MS = &med, &p90
		}
		out = append(out, *g)
	}
	return out
}

// Median of sorted values: the middle one, or the mean of the two middle ones.
func Median(sorted []int64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Percentile of sorted values by the nearest-rank method: the smallest
// value with at least p% of the values at or below it.
func Percentile(sorted []int64, p float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return sorted[rank-1]
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// FormatMS renders a wait for people: 850ms, 1.3s, 42s, 3m05s, 2h10m, 3d4h.
func FormatMS(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	switch {
	case ms == 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
