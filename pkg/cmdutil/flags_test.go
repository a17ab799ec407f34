package cmdutil

import (
	"math"
	"strings"
	"testing"
)

func TestCheckRate(t *testing.T) {
	for _, ok := range []float64{0, MinRate, 1, 2.5, MaxRate} {
		if err := CheckRate(ok, "no limit"); err != nil {
			t.Errorf("CheckRate(%g): %v, want nil", ok, err)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 1e-300, MinRate / 2, MaxRate * 2} {
		err := CheckRate(bad, "the default")
		if ExitCodeOf(err) != ExitUsage || !strings.Contains(err.Error(), "0 (the default)") {
			t.Errorf("CheckRate(%g) = %v (exit %d), want a usage error saying what 0 means", bad, err, ExitCodeOf(err))
		}
	}
}
