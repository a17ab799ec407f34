package log

import "time"

// ParseSince reads a --since value as handoff log does: a duration (90m,
// 24h, 7d) or a date (2024-06-01, RFC 3339); "" is the zero time. A bad
// value is a usage error with a hint.
func ParseSince(s string, now time.Time) (time.Time, error) { return parseSince(s, now) }
