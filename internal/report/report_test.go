package report

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

func TestWebBase(t *testing.T) {
	t.Parallel()
	for api, want := range map[string]string{
		"https://api.github.com/":           "https://github.com",
		"https://ghe.example.com/api/v3/":   "https://ghe.example.com",
		"https://example.com/ghe/api/v3/":   "https://example.com/ghe",
		"http://127.0.0.1:9999/":            "",
		"https://proxy.example.com/github/": "",
	} {
		u, _ := url.Parse(api)
		if got := webBase(u); got != want {
			t.Errorf("webBase(%q) = %q, want %q", api, got, want)
		}
	}
}

// Values from the user cannot break the summary table or inject HTML.
func TestSummaryEscapes(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://api.github.com/")
	md := Summary([]outcome.Result{{Target: event.Target{Repo: event.Repo{Owner: "octo", Name: "data"}, EventType: "a|b<script>`&"}, Status: outcome.Failed, Err: errors.New("x | y\nz")}}, u, nil)
	row := strings.Split(strings.TrimSpace(md), "\n")
	last := row[len(row)-1]
	if strings.Count(strings.ReplaceAll(last, `\|`, ""), "|") != 6 || strings.Contains(last, "<script>") || strings.Contains(md, "x | y") {
		t.Errorf("summary row not escaped: %s", last)
	}
	if !strings.Contains(last, "[octo/data](https://github.com/octo/data)") {
		t.Errorf("no link: %s", last)
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := NewRedactor("s3cr3t-token")
	r.Add("ghs_minted")
	if got := r.String("a s3cr3t-token b s3cr3t-token ghs_minted"); got != "a *** b *** ***" {
		t.Errorf("got %q", got)
	}
	if got := NewRedactor("ab").String("abc"); got != "abc" {
		t.Errorf("short secrets are not redacted, got %q", got)
	}
}

func FuzzInert(f *testing.F) {
	for _, s := range []string{"plain", "a\n::error::x", "x\r\n##[error]y", "[l](https://e) ![i](https://e/i.png)", "<img src=x>", "a|b", "\u2028::add-mask::s", "www.evil.example", "`code`", "\\[x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := untrusted.Line(s, 0)
		if strings.ContainsAny(line, "\r\n\u0085\u2028\u2029") {
			t.Fatalf("Line(%q) = %q breaks the line", s, line)
		}
		c := cell(s)
		if strings.ContainsAny(c, "\r\n<>") || strings.Contains(c, "://") || strings.Contains(strings.ToLower(c), "www.") {
			t.Fatalf("cell(%q) = %q", s, c)
		}
		// Every [ ] ` | * _ is escaped: none stands after an even number of backslashes.
		for i := 0; i < len(c); i++ {
			if strings.IndexByte("[]`|*_~", c[i]) >= 0 {
				n := 0
				for j := i - 1; j >= 0 && c[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					t.Fatalf("cell(%q) = %q: %q at %d is not escaped", s, c, c[i], i)
				}
			}
		}
	})
}

func TestSentLineNamesARequestIDOnlyWhenThereIsOne(t *testing.T) {
	t.Parallel()
	r := outcome.Result{Target: event.Target{Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.RepositoryDispatch, EventType: "e"}, Receipt: dispatch.Receipt{HTTPStatus: 204}}
	if got := SentLine(r); got != `Dispatched "e" to octo/data: GitHub answered 204` {
		t.Errorf("got %q", got)
	}
	r.Receipt.RequestID = "AB:CD"
	if got := SentLine(r); !strings.HasSuffix(got, " (request ID AB:CD)") {
		t.Errorf("got %q", got)
	}
}

// Over the limit, the summary leaves out annotations first (a target's jobs still named),
// then later targets' failed jobs, then warnings; the outcome table is always whole.
func TestSummaryTrimsDetailsNotOutcomes(t *testing.T) {
	t.Parallel()
	var results []outcome.Result
	for i := range 25 {
		r := outcome.Result{Target: event.Target{Repo: event.Repo{Owner: "octo", Name: fmt.Sprintf("r%02d", i)}, Event: event.RepositoryDispatch, EventType: "e"}, Status: outcome.Failed,
			Err: errors.New("the run concluded \"failure\""), Receipt: dispatch.Receipt{Accepted: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)},
			Run: runs.Outcome{Run: runs.Run{ID: int64(1000 + i)}}}
		for j := range 10 {
			fj := runs.FailedJob{Name: fmt.Sprintf("job-%d", j), FailedSteps: []string{"Run"}}
			for k := range 5 {
				fj.Annotations = append(fj.Annotations, runs.Annotation{Level: "failure", Message: strings.Repeat("é", 500), Path: "a.go", Line: k})
			}
			r.Run.FailedJobs = append(r.Run.FailedJobs, fj)
		}
		results = append(results, r)
	}
	api, _ := url.Parse("https://api.github.com/")
	whole := summary(results, api, []string{"w1", "w2"}, 1<<30)
	trimmed := Summary(results, api, []string{"w1", "w2"})
	t.Logf("untrimmed %d bytes, trimmed %d bytes", len(whole), len(trimmed))
	if len(whole) <= 1<<20 || len(trimmed) > 1<<20 || !strings.Contains(trimmed, "the annotations of ") {
		t.Fatalf("untrimmed %d, trimmed %d bytes", len(whole), len(trimmed))
	}
	for _, r := range results {
		if !strings.Contains(trimmed, "| ["+r.Repo.String()+"](https://github.com/"+r.Repo.String()+")") {
			t.Errorf("no row for %s", r.Repo.String())
		}
	}
	// A small limit: the whole table, the first target's jobs without annotations, and a
	// note of all that was left out.
	small := summary(results, api, []string{"w1", "w2"}, 5000)
	if strings.Count(small, "| [octo/r") != 25 || !strings.Contains(small, "the annotations of 1 targets' failed jobs, why the runs of 24 targets failed") ||
		strings.Contains(small, "  - failure") {
		t.Errorf("small summary:\n%s", small)
	}
}
