package action

// One definition of "blank" for every check and the JSON Schema: the white
// space of ECMAScript's \s (WhiteSpace and LineTerminator), which is how
// editors read the schema's patterns. Go's regexp reads \s as ASCII only and
// strings.TrimSpace uses Unicode's White_Space (it adds U+0085 and lacks
// U+FEFF), so neither is used to decide; the patterns spell the class out.
//
// A "word" is a run of characters that are not blank. The zero-width space
// (U+200B) is not blank in ECMAScript, so it does not separate words.

// BlankClass is the inside of the character class of blank characters, as
// regexp syntax that Go's regexp and ECMAScript (with or without the u flag)
// read alike: \t \n \v \f \r as escapes, the rest as literal characters.
const BlankClass = "\\t\\n\\v\\f\\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

// IsBlankRune reports whether r is blank (ECMAScript white space or line
// terminator).
func IsBlankRune(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// IsBlank reports whether s holds nothing but blank characters.
func IsBlank(s string) bool {
	for _, r := range s {
		if !IsBlankRune(r) {
			return false
		}
	}
	return true
}
