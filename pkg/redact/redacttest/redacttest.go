// Package redacttest helps tests check that no part of a secret leaks.
package redacttest

import (
	"strings"

	"github.com/handoff-dev/handoff/pkg/redact"
)

// Leaked returns the longest part of secret, redact.MinPart characters or
// more, that s shows; "" when none.
func Leaked(s, secret string) string {
	for n := len(secret); n >= redact.MinPart; n-- {
		for i := 0; i+n <= len(secret); i++ {
			if strings.Contains(s, secret[i:i+n]) {
				return secret[i : i+n]
			}
		}
	}
	return ""
}
