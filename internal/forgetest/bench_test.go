package forgetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWaitOnGitea measures waiting for a run of about 40 s on the real Gitea (which
// sends no ETag and no rate-limit headers, so no poll is ever a free 304): how long after
// the run completed the step exited, and how many requests it made while it waited. The
// run's end is seen by an observer reading the run every 100 ms (Gitea's completed_at has
// whole seconds only). Side by side with BenchmarkCompletionToExit (internal/app), the same
// wait on the fake GitHub. Run it with -benchtime 3x: each run takes 40 s.
func BenchmarkWaitOnGitea(b *testing.B) {
	if os.Getenv("DISPATCH_GITEA") == "" || setupErr != nil {
		b.Skip("DISPATCH_GITEA is not set, or the suite could not be set up: see TestMain")
	}
	var waitReqs atomic.Int64
	target, _ := url.Parse(gitea.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/actions/runs/") {
			waitReqs.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	var worst, total time.Duration
	var reqs int64
	var waited time.Duration
	for b.Loop() {
		lag, n, w := waitOnce(b, srv.URL+"/api/v1", &waitReqs)
		worst, total = max(worst, lag), total+lag
		reqs, waited = reqs+n, waited+w
	}
	b.ReportMetric(worst.Seconds(), "s-worst-completion-to-exit")
	b.ReportMetric(total.Seconds()/float64(b.N), "s-mean-completion-to-exit")
	b.ReportMetric(float64(reqs)/float64(b.N), "requests-while-waiting")
	b.ReportMetric(float64(reqs)/waited.Minutes(), "requests/minute")
}

// waitOnce dispatches forty.yml through api and waits for it with the binary; it returns
// how long after the observer saw the run completed the binary exited, the run reads the
// binary made while it waited, and how long it waited.
func waitOnce(b *testing.B, api string, reqs *atomic.Int64) (lag time.Duration, n int64, waited time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "trigger", "--api-url", api, "--repository", repo("target"), "--workflow", "forty.yml",
		"--wait", "completed", "--wait-timeout", "4m", "--preflight", "off")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GITHUB_TOKEN=" + gitea.Token}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var seen time.Time // when the observer first saw the run completed
	var wg sync.WaitGroup
	var named time.Time
	before := reqs.Load()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		m := runLine.FindStringSubmatch(sc.Text())
		if m == nil || !named.IsZero() {
			continue
		}
		named = time.Now()
		id, _ := strconv.ParseInt(m[1], 10, 64)
		wg.Go(func() { seen = observe(ctx, id) })
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("the binary: %v", err)
	}
	exit := time.Now()
	wg.Wait()
	if seen.IsZero() || named.IsZero() {
		b.Fatal("the run was not seen completed")
	}
	return exit.Sub(seen), reqs.Load() - before, exit.Sub(named)
}

// observe reads the run every 100 ms, straight from Gitea, until it is completed, and
// says when it first was.
func observe(ctx context.Context, id int64) time.Time {
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/repos/%s/actions/runs/%d", gitea.API, repo("target"), id), nil)
		req.Header.Set("Authorization", "token "+gitea.Token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var r giteaRun
			_ = json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if r.Status == "completed" {
				return time.Now()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Time{}
}
