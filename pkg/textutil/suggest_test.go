package textutil

import "testing"

func TestSuggest(t *testing.T) {
	names := []string{"escalate-billing", "start-return", "vip-account-manager", "Billing", "Support"}
	for word, want := range map[string]string{
		"escalate-biling": "escalate-billing",
		"Billling":        "Billing",
		"billing":         "Billing",
		"start-retrun":    "start-return",
		"support":         "Support",
		"nosuch":          "",
		"x":               "",
		"Billing":         "",
	} {
		if got := Suggest(word, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
	if d := EditDistance("kitten", "sitting"); d != 3 {
		t.Errorf("distance %d", d)
	}
}
