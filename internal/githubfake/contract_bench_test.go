package githubfake

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// listing is the fake's own answer to a run listing of n runs, as the contract check sees
// it (GitHub's full-size runs: about 8 KB each).
func listing(b *testing.B, n int) (*description, exchange) {
	f := New()
	f.Start()
	b.Cleanup(f.Close)
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true})
	f.mu.Lock()
	var runs [][]byte
	for range n {
		r := f.startRuns("octo/data", "repository_dispatch", "main", func(*Workflow) bool { return true }, nil)
		runs = append(runs, f.runJSON(r, time.Now()))
	}
	d := f.desc
	f.mu.Unlock()
	body := append([]byte(fmt.Sprintf(`{"total_count":%d,"workflow_runs":[`, n)), bytes.Join(runs, []byte(","))...)
	return d, exchange{method: "GET", path: "/repos/octo/data/actions/runs", query: "per_page=100", header: http.Header{},
		status: 200, answerHeader: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, answer: append(body, "]}"...), fullAnswer: true}
}

// The check of one answer the contract has not seen: a listing of 20 runs, validated
// whole (each iteration changes total_count, so nothing is remembered).
func BenchmarkContractCheck20Runs(b *testing.B) {
	d, x := listing(b, 20)
	b.SetBytes(int64(len(x.answer)))
	i := 0
	for b.Loop() {
		i++
		x.answer = bytes.Replace(x.answer, []byte(`"total_count":`), []byte(fmt.Sprintf(`"total_count":%d,"x":`, i%10)), 1)
		x.answer = bytes.Replace(x.answer, []byte(fmt.Sprintf(`"total_count":%d,"x":`, i%10)), []byte(`"total_count":`), 1)
		x.answer = append(x.answer[:len(x.answer)-2], ' ', ']', '}')
		_ = d.check(x)
	}
}

// The same answer seen again (a poll answered anew, or another client's): remembered.
func BenchmarkContractCheckSeenBefore(b *testing.B) {
	d, x := listing(b, 20)
	_ = d.check(x)
	for b.Loop() {
		_ = d.check(x)
	}
}

// Parsing one description (the subset of GitHub's, without its examples): once per
// server per test binary.
func BenchmarkLoadDescription(b *testing.B) {
	for b.Loop() {
		if _, err := loadFile("ghes-3.19.json"); err != nil {
			b.Fatal(err)
		}
	}
}
