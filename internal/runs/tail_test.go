package runs

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// A log of any size, with lines of any length, costs the tail a bounded amount of memory:
// lines are cut as they are read, and all of them together stay within maxTailBytes.
func TestTailIsBoundedWhateverTheLines(t *testing.T) {
	t.Parallel()
	tl := newTail(500)
	long := "2026-11-28T12:00:00.0000000Z " + strings.Repeat("x", 30_000) + "\n"
	for i := range 600 {
		// Written in pieces that split lines anywhere, as a network read does.
		line := strings.Replace(long, "xxxx", fmt.Sprintf("%04d", i), 1)
		for len(line) > 0 {
			n := min(len(line), 7_777)
			_, _ = tl.Write([]byte(line[:n]))
			line = line[n:]
		}
		if tl.bytes > maxTailBytes || len(tl.partial) > maxLineBytes {
			t.Fatalf("after line %d: %d bytes kept, %d partial", i, tl.bytes, len(tl.partial))
		}
	}
	lines := tl.lines()
	if len(lines) == 0 || len(lines) > 500 {
		t.Fatalf("%d lines", len(lines))
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "0599") || !strings.HasSuffix(last, "…") || utf8.RuneCountInString(last) != maxLineRunes+1 {
		t.Errorf("last line %q…: want the last one, without its timestamp, cut to %d characters and marked", last[:20], maxLineRunes)
	}
}

// Short lines: the last n, timestamps cut, a last line without a line break kept.
func TestTailKeepsTheLastLines(t *testing.T) {
	t.Parallel()
	tl := newTail(2)
	_, _ = tl.Write([]byte("2026-11-28T12:00:00.0000000Z one\r\ntwo\n2026-11-28T12:00:02Z thr"))
	_, _ = tl.Write([]byte("ee"))
	if got := strings.Join(tl.lines(), "|"); got != "two|three" {
		t.Errorf("lines %q", got)
	}
	// A line of multi-byte characters is cut at maxLineBytes and marked even when the
	// characters kept are exactly maxLineRunes.
	tl = newTail(1)
	_, _ = tl.Write([]byte(strings.Repeat("😀", 10_000) + "\n"))
	if got := tl.lines()[0]; utf8.RuneCountInString(got) != maxLineRunes+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d characters", utf8.RuneCountInString(got))
	}
}

// The step's budget of log lines is shared: once spent, later tails keep what still fits
// (their last lines) and say that lines were left out.
func TestLogBudgetIsShared(t *testing.T) {
	t.Parallel()
	b := NewLogBudget(10)
	kept, left := b.fit([]string{"aaaa", "bbbb"})
	if strings.Join(kept, "|") != "aaaa|bbbb" || left {
		t.Errorf("first: %q %v", kept, left)
	}
	kept, left = b.fit([]string{"cccc", "dd"})
	if strings.Join(kept, "|") != "dd" || !left {
		t.Errorf("second: %q %v", kept, left)
	}
	if kept, left = b.fit([]string{"e"}); len(kept) != 0 || !left {
		t.Errorf("spent: %q %v", kept, left)
	}
	var none *LogBudget
	if kept, left = none.fit([]string{"x"}); len(kept) != 1 || left {
		t.Errorf("no budget: %q %v", kept, left)
	}
}

func TestStatusAndConclusionWords(t *testing.T) {
	t.Parallel()
	if StatusInProgress.Words() != "in progress" || !StatusCompleted.Known() || Status("done").Known() ||
		!ConclusionStartupFailure.Known() || Conclusion("meh").Known() {
		t.Error("the vocabulary of a run")
	}
}
