// Package untrusted makes text the action did not write (a server's messages, names and
// titles, a downstream run's log) safe to show: on one line, where a line is what it
// prints, or, for many lines, between stop-commands, where the runner would take a line for
// a workflow command. It is the one place that rule lives; every package that shows such
// text goes through it.
package untrusted

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes s one line of printable characters: every run of line breaks (CR, LF, NEL,
// U+2028, U+2029), control and format characters becomes one space, so nothing it holds
// can start a line of its own (nor a workflow command); other spaces stay as they are.
// With max > 0 it keeps at most max characters and marks the cut with "…".
func Line(s string, max int) string {
	if !strings.ContainsFunc(s, unsafe) && (max <= 0 || utf8.RuneCountInString(s) <= max) {
		return s
	}
	var b strings.Builder
	n, inRun := 0, false
	for _, r := range s {
		if max > 0 && n == max {
			return b.String() + "…"
		}
		if unsafe(r) {
			if !inRun {
				b.WriteByte(' ')
				n++
			}
			inRun = true
			continue
		}
		b.WriteRune(r)
		inRun = false
		n++
	}
	return b.String()
}

// unsafe: a character that may not appear on a line as it is.
func unsafe(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError || unicode.Is(unicode.Cf, r)
}

// StopCommands writes text the action did not write (a downstream log) so that none of
// its lines acts as a workflow command: between ::stop-commands:: with a fresh random
// token and the token that resumes them.
func StopCommands(w io.Writer, text string) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	token := "dispatch-" + hex.EncodeToString(b[:])
	if strings.Contains(text, token) { // cannot happen by chance; refuse rather than risk it
		return errors.New("the text contains the stop-commands token")
	}
	_, err := fmt.Fprintf(w, "::stop-commands::%s\n%s\n::%s::\n", token, strings.TrimSuffix(text, "\n"), token)
	return err
}
