package directory

import "strings"

// DeclaredTemplate is a new .directory.yaml: the header that says what the
// file is, the given teams, and a commented example of a user.
func DeclaredTemplate(teams []string) []byte {
	var b strings.Builder
	for _, l := range strings.Split(declaredHeader, "\n") {
		b.WriteString("# " + l + "\n")
	}
	b.WriteString("#\n# Teams: the names exactly as in Wati (Team Inbox > Teams).\nteams:\n")
	for _, t := range teams {
		b.WriteString("  - " + t + "\n")
	}
	b.WriteString("# Users (operators): the email they log in to Wati with, and a display name.\nusers: []\n")
	b.WriteString("#  - email: maria@acme.com\n#    name: Maria Lopez\n")
	return []byte(b.String())
}
