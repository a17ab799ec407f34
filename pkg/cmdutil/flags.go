package cmdutil

import "math"

// Bounds of a --rate flag (requests per second), besides 0 for no limit.
const (
	MinRate = 0.01 // one request every 100 seconds
	MaxRate = 10000.0
)

// CheckRate refuses a --rate that is neither 0 nor a finite number within
// [MinRate, MaxRate]: NaN would slip past a plain v < 0 test and 1e-300 is a
// wait that never ends (exit 2). zero says what 0 means ("no limit").
func CheckRate(v float64, zero string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (v != 0 && v < MinRate) || v > MaxRate {
		return UsageError("--rate must be 0 (%s) or between %g and %g requests per second, not %g", zero, MinRate, MaxRate, v)
	}
	return nil
}
