package githubfake

import (
	"net/http"
	"testing"
)

func BenchmarkContractCheck(b *testing.B) {
	f := NewServer(b)
	f.AddToken(Token{Value: "good"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true})
	clock := NewClock()
	f.SetClock(clock)
	f.mu.Lock()
	for range 20 {
		f.startRuns("octo/data", "repository_dispatch", "main", func(*Workflow) bool { return true }, nil)
	}
	f.mu.Unlock()
	_ = clock.Sleep(b.Context(), 10e9)
	for _, tc := range []struct{ name, path string }{{"list 20 runs", "/repos/octo/data/actions/runs?per_page=100"}, {"repository", "/repos/octo/data"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", f.URL()+tc.path, nil)
				req.Header.Set("Authorization", "Bearer good")
				req.Header.Set("User-Agent", "x")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}
