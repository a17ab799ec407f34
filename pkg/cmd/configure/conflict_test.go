package configure

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/handoff-dev/handoff/pkg/action"
	"github.com/handoff-dev/handoff/pkg/cmdutil"
)

// An edit decided on a reading that another edit has since changed, in the
// same part, is refused with a clear message; an edit of another part keeps
// the other edit's change.
func TestEditOfAChangedPartIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "escalate-billing.yaml")
	if err := os.WriteFile(path, []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}
	st := action.NewStore(dir)
	sv := storeSaver{st}
	cur, err := st.Load("escalate-billing")
	if err != nil {
		t.Fatal(err)
	}
	// another process changes the intent after this one read the file
	other := *cur
	other.Intent = "The customer asks for a person about an invoice, said the other edit."
	if _, err := sv.Update("escalate-billing", other, Parts{Intent: true, Base: cur}); err != nil {
		t.Fatal(err)
	}

	mine := *cur
	mine.Intent = "The customer asks for a person about an invoice, said this edit."
	_, err = sv.Update("escalate-billing", mine, Parts{Intent: true, Base: cur})
	if !errors.Is(err, action.ErrConflict) || cmdutil.ExitCodeOf(err) != cmdutil.ExitFailure {
		t.Fatalf("same part: err = %v (exit %d), want a conflict (exit 1)", err, cmdutil.ExitCodeOf(err))
	}
	if !strings.Contains(err.Error(), "its intent is no longer what this command read; nothing was written") ||
		!strings.Contains(cmdutil.HintOf(err), "handoff action show escalate-billing") {
		t.Errorf("message: %v / %s", err, cmdutil.HintOf(err))
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "said the other edit") {
		t.Fatalf("the other edit was lost:\n%s", b)
	}

	// another part, decided on the same old reading: applied, both kept
	mine = *cur
	mine.Assignee = action.Assignee{Type: action.User, Email: "maria@acme.com"}
	if _, err := sv.Update("escalate-billing", mine, Parts{Assignee: true, Base: cur}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), "said the other edit") || !strings.Contains(string(b), "email: maria@acme.com") ||
		!strings.HasPrefix(string(b), "# Billing disputes go to the Billing team.") {
		t.Fatalf("a change or the comment was lost:\n%s", b)
	}
}

// Edits of one file from many goroutines are serialised by the lock: every
// edit of a different part survives, and no lock or temporary file stays.
func TestConcurrentEditsOfOneFileKeepEveryChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "escalate-billing.yaml")
	if err := os.WriteFile(path, []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}
	st := action.NewStore(dir)
	for round := 0; round < 20; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// each goroutine its own Store, as separate processes have
				s := storeSaver{action.NewStore(dir)}
				cur, err := s.Load("escalate-billing")
				if err != nil {
					errs[i] = err
					return
				}
				next := *cur
				var p Parts
				switch i {
				case 0:
					next.Intent, p.Intent = "The customer asks for a person, edit number "+string(rune('a'+round))+".", true
				case 1:
					next.Account, p.Account = "acct-"+string(rune('a'+round)), true
				case 2:
					next.Assignee, p.Assignee = action.Assignee{Type: action.Team, Team: "Team " + string(rune('A'+round))}, true
				}
				p.Base = cur
				_, errs[i] = s.Update("escalate-billing", next, p)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, edit %d: %v", round, i, err)
			}
		}
		a, err := st.Load("escalate-billing")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(a.Intent, "number "+string(rune('a'+round))+".") || a.Account != "acct-"+string(rune('a'+round)) || a.Assignee.Team != "Team "+string(rune('A'+round)) {
			t.Fatalf("round %d: a change was lost: %+v", round, a)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "escalate-billing.yaml" {
			t.Errorf("left in the folder: %s", e.Name())
		}
	}
}
