package untrusted

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain text", 0, "plain text"},
		{"Invalid request.\n\nNo ref", 0, "Invalid request. No ref"},
		{"keeps  its  spaces", 0, "keeps  its  spaces"},
		{"a\r\n::error::b", 0, "a ::error::b"},
		{"x\u2028y\u2029z\u0085w", 0, "x y z w"},
		{"zero\u200bwidth\u202eRTL", 0, "zero width RTL"},
		{"bad \xff byte", 0, "bad   byte"},
		{"abcdef", 3, "abc…"},
		{"abc", 3, "abc"},
		{"ab\n\ncd", 4, "ab c…"},
		{"ééééé", 2, "éé…"},
	} {
		if got := Line(tc.in, tc.max); got != tc.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"a\nb", "::error::x", "\u2028", "é\xff", strings.Repeat("x", 40)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 50
		got := Line(s, max)
		if strings.ContainsFunc(got, unsafe) {
			t.Fatalf("Line(%q) = %q holds a character unsafe on a line", s, got)
		}
		if max > 0 && utf8.RuneCountInString(got) > max+1 {
			t.Fatalf("Line(%q, %d) = %q is longer than %d", s, max, got, max)
		}
	})
}

// Text between stop-commands cannot act as a workflow command, and the token is fresh.
func TestStopCommands(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	text := "line one\n::error::from the log\n##[error]legacy\n"
	if err := StopCommands(&a, text); err != nil {
		t.Fatal(err)
	}
	_ = StopCommands(&b, text)
	lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
	token, ok := strings.CutPrefix(lines[0], "::stop-commands::")
	if !ok || len(token) < 32 || lines[len(lines)-1] != "::"+token+"::" || strings.Join(lines[1:len(lines)-1], "\n") != strings.TrimSuffix(text, "\n") {
		t.Fatalf("wrapped as:\n%s", a.String())
	}
	if strings.Contains(b.String(), token) {
		t.Error("the token is reused")
	}
}
