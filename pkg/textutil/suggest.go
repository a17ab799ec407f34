// Package textutil holds small text helpers shared by domain packages and
// commands: edit distance and did-you-mean suggestions.
package textutil

import "strings"

// EditDistance is the Levenshtein distance between a and b, in runes.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Suggest returns the candidate closest to word (case-insensitive), when it
// is near enough to be a likely misspelling: a distance of at most a third
// of the word's length (at least 1, at most 3), or a case-only difference.
// "" when none is. Ties go to the first candidate.
func Suggest(word string, candidates []string) string {
	w := strings.ToLower(word)
	limit := min(max(len([]rune(w))/3, 1), 3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := EditDistance(w, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
