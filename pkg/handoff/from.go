package handoff

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/exitcode"
)

// stdinKeyBytes is how much of standard input identifies it for its
// journal: a run starts once this much, or the whole input, has arrived.
const stdinKeyBytes = 64 << 10

// JournalMaxAge: default journals untouched for longer are removed when a
// batch starts.
const JournalMaxAge = 30 * 24 * time.Hour

// Input is a batch's input, opened by OpenInput.
type Input struct {
	Name  string // as given: a path, or "-" for standard input
	Total int    // targets, counted ahead for a file (0 for standard input)
	// Key names the content: a file's SHA-256, or the SHA-256 of standard
	// input's first 64 KiB.
	Key string

	r io.Reader
	f *os.File
}

// Reader is what the batch reads.
func (in *Input) Reader() io.Reader { return in.r }

// Close closes the file.
func (in *Input) Close() error {
	if in.f != nil {
		return in.f.Close()
	}
	return nil
}

// OpenInput opens a batch input: name is a path, or "-" for stdin.
//
// A regular file is read once ahead, to count its targets, hash its
// content and check its structure: an over-long line or a quoted field
// that never closes is an *InputError naming its line (exit 2) before
// anything is sent. Standard input (and a pipe or device named as a file)
// cannot be read twice: it is checked while it streams, and the batch
// stops at the first structural error, having sent nothing read after
// it. Its key is its first 64 KiB, so a run starts once that much (or the
// whole input) has arrived.
func OpenInput(ctx context.Context, name string, stdin io.Reader) (*Input, error) {
	in := &Input{Name: name}
	if name == "-" {
		return in, in.keyStream(ctx, stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "Give an existing file to --from, or - for stdin.", "reading the input: %v", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, exitcode.Errorf(exitcode.Usage, "", "reading the input: %v", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, exitcode.Errorf(exitcode.Usage, "Give a file to --from, or - for stdin.", "reading the input: %s is a folder", name)
	}
	in.f = f
	if !st.Mode().IsRegular() {
		if err := in.keyStream(ctx, f); err != nil {
			f.Close()
			return nil, err
		}
		return in, nil
	}
	h := sha256.New()
	tr := newTargetReader(io.TeeReader(f, h))
	for {
		if ctx.Err() != nil {
			f.Close()
			return nil, ctx.Err()
		}
		_, err := tr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			var ie *InputError
			if !errors.As(err, &ie) {
				err = &InputError{err}
			}
			return nil, err
		}
		in.Total++
	}
	if _, err := io.Copy(h, f); err != nil { // the rest, if any (none: read to EOF)
		f.Close()
		return nil, &InputError{err}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, &InputError{err}
	}
	in.Key = "sha256:" + hex.EncodeToString(h.Sum(nil))
	in.r = f
	return in, nil
}

// keyStream keys a stream by its first stdinKeyBytes, waiting for them
// (or its end) unless ctx ends first.
func (in *Input) keyStream(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, stdinKeyBytes)
	done := make(chan []byte, 1)
	go func() {
		head, _ := br.Peek(stdinKeyBytes) // short at the end of the input, or on an error the batch then meets
		done <- head
	}()
	select {
	case head := <-done:
		sum := sha256.Sum256(head)
		in.Key = "sha256-64k:" + hex.EncodeToString(sum[:])
		in.r = br
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reportFile is --report FILE: opened at once to fail early, but emptied
// only once the batch got going, so that a command that fails first leaves
// an earlier report alone (and leaves no new one behind).
type reportFile struct {
	path    string
	f       *os.File
	existed bool
	started bool
}

func openReport(path string) (*reportFile, error) {
	_, serr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.Usage, "Give --report a path in a folder that exists and is writable.", "opening the report: %v", err)
	}
	return &reportFile{path: path, f: f, existed: serr == nil}, nil
}

func (w *reportFile) begin() error {
	if w.started {
		return nil
	}
	w.started = true
	return w.f.Truncate(0)
}

func (w *reportFile) Write(p []byte) (int, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}

// finish closes the report: emptied (a run with no target), or removed
// when the run never started and the file is new.
func (w *reportFile) finish(ran bool) error {
	if !ran {
		w.f.Close()
		if !w.existed {
			os.Remove(w.path)
		}
		return nil
	}
	err := w.begin()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// BatchRequest is `handoff assign ACTION --from FILE|-` as the command
// parsed it; RunFrom does the rest.
type BatchRequest struct {
	Action  *action.Action // loaded and valid
	Account string         // overrides Action.Account when not empty
	From    string         // a path, or "-" for Stdin
	Stdin   io.Reader
	Stdout  io.Writer // for Report "-"

	DryRun, KeepTeams bool
	Concurrency       int
	Rate              float64

	// Journal is an explicit journal file; "" = the default one under
	// StateDir/journals (none when StateDir is "" or for a dry run).
	Journal     string
	JournalMode JournalMode
	StateDir    string

	Report string // a path, "-" for Stdout, "" for none

	RetryUnknown bool
	Again        bool          // send even what the audit log shows as a recent repeat
	RepeatWindow time.Duration // 0: DefaultRepeatWindow; negative: no check

	Progress func(Progress)
	Source   string // audit: "batch" when empty
	// Vars are placeholder values (reason, summary, name) for every target.
	Vars Vars
	// Start, when set, is called once the input proved readable and before
	// anything is sent, with the CSV header's column names (nil for a
	// plain list), the targets counted (0 for stdin) and the client's API;
	// its error stops the run there (no journal, no report left behind).
	Start func(columns []string, total int, api string) error
}

// RunFrom is the batch of `handoff assign --from`, minus printing: it
// opens and checks the input, builds the client, opens the report,
// chooses the journal, reads the audit log for repeats, and runs the
// batch. Errors before anything was read carry their exit code (usage 2,
// configuration 3, ...), and then no report and no journal are left.
func RunFrom(ctx context.Context, d Deps, req BatchRequest) (Summary, error) {
	acct := AccountFor(req.Action, req.Account)
	sum := Summary{Action: req.Action.Name, Account: acct, FailedBy: map[string]int{}, Failures: []Listed{}, Unknowns: []Listed{}, DryRun: req.DryRun}
	if d.Client == nil {
		return sum, &configError{errors.New("no Wati client configured")}
	}
	client, err := d.Client(acct, req.DryRun)
	if err != nil {
		return sum, err
	}
	in, err := OpenInput(ctx, req.From, req.Stdin)
	if err != nil {
		return sum, err
	}
	defer in.Close()

	var report io.Writer
	var rf *reportFile
	switch req.Report {
	case "":
	case "-":
		report = req.Stdout
	default:
		if rf, err = openReport(req.Report); err != nil {
			return sum, err
		}
		report = rf
	}

	journal := req.Journal
	if journal == "" && !req.DryRun && req.StateDir != "" {
		journal = DefaultJournalPath(req.StateDir, req.Action.Name, acct, req.From, in.Key)
		pruneJournals(filepath.Dir(journal), journal, time.Now().Add(-JournalMaxAge))
	}
	var audit *AuditLog
	if !req.DryRun {
		audit = d.Audit
	}
	r := &Runner{Client: client, Action: req.Action, Account: acct, KeepTeams: req.KeepTeams,
		DryRun: req.DryRun, Audit: audit, Source: req.Source, Again: req.Again, Vars: req.Vars}
	if r.Source == "" {
		r.Source = "batch"
	}
	if !req.Again && !Idempotent(req.Action) {
		r.Repeats, err = LoadRepeats(d.Audit, req.Action.Name, acct, RepeatWindowOr(req.RepeatWindow), time.Now())
		if err != nil {
			if rf != nil {
				rf.finish(false)
			}
			return sum, &configError{fmt.Errorf("%w; give --again to send without the check", err)}
		}
	}
	var start func([]string) error
	if req.Start != nil {
		start = func(columns []string) error { return req.Start(columns, in.Total, client.API()) }
	}
	sum, err = r.RunBatch(ctx, in.Reader(), BatchOptions{
		Start:       start,
		Concurrency: req.Concurrency, Rate: req.Rate,
		Journal: journal, JournalMode: req.JournalMode, InputKey: in.Key, InputName: req.From,
		RetryUnknown: req.RetryUnknown, Report: report, Total: in.Total, Progress: req.Progress,
	})
	if rf != nil {
		ran := sum.Total > 0 || err == nil
		if cerr := rf.finish(ran); cerr != nil && err == nil {
			err = &BatchError{Err: fmt.Errorf("writing the report: %w", cerr), Code: exitcode.Failure}
		}
		if ran {
			sum.Report = req.Report
		}
	}
	return sum, err
}

// pruneJournals removes the journals of dir last written before cutoff
// (but never keep).
func pruneJournals(dir, keep string, cutoff time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if p == keep || filepath.Ext(p) != ".journal" || !e.Type().IsRegular() {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			_ = os.Remove(p)
		}
	}
}
