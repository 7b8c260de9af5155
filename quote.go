package shiftwire

import "strconv"

// quote renders user input for a message, escaped and cut to a readable length.
func quote(s string) string {
	const max = 100
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
