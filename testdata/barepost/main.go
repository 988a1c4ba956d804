// Command barepost is the yardstick of how fast a dispatch can start: a bare Go program
// that makes the same POST as `dispatch trigger --preflight off` (one repository_dispatch,
// the same headers and body) and nothing else. start_bench_test.go runs both side by side.
// Built with -tags floor, it is the floor no change to the step's own work can go below:
// the same POST, with every package dispatch links initialised and its signal watcher armed.
//
//	GH_TOKEN=… barepost API-URL OWNER/NAME EVENT-TYPE
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

// start is what runs before the POST: nothing, except in the floor build (floor.go).
var start = func() {}

func main() {
	start()
	api, repo, eventType := os.Args[1], os.Args[2], os.Args[3]
	body := strings.NewReader(`{"event_type":"` + eventType + `","client_payload":{}}`)
	req, err := http.NewRequest("POST", strings.TrimSuffix(api, "/")+"/repos/"+repo+"/dispatches", body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("GH_TOKEN"))
	req.Header.Set("X-GitHub-Api-Version", "2026-03-10")
	req.Header.Set("User-Agent", "barepost")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		fmt.Fprintln(os.Stderr, "GitHub answered", resp.Status)
		os.Exit(1)
	}
	fmt.Printf("Dispatched %q to %s: GitHub answered %d\n", eventType, repo, resp.StatusCode)
}
