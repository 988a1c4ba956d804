package forgetest

import (
	"fmt"
	"strings"
	"testing"
)

// Gitea as the host: workflows of the repository host, run by the real Gitea runner (host
// mode, RUNNER_OS=linux, RUNNER_ARCH=amd64, GITEA_ACTIONS=true, GITHUB_API_URL at /api/v1),
// run this action and dispatch to target. The suite starts them with the binary itself and
// waits for them, so a host run's success is the action's success inside it.

// hostRun dispatches a host workflow with the binary and waits for it; it returns what the
// binary said and the host run's job log.
func hostRun(t *testing.T, workflow, inputs string) (result, string) {
	t.Helper()
	r := cli(t, nil, "trigger", "--repository", repo("host"), "--workflow", workflow, "--inputs", inputs,
		"--wait", "completed", "--wait-timeout", "5m", "--log-lines", "80")
	id := ranID(t, r)
	return r, jobLog(t, "host", id)
}

func TestGiteaRunnerRunsTheAction(t *testing.T) {
	need(t)
	t.Parallel()
	r, log := hostRun(t, "call.yml", `{"token":"secret"}`)
	if r.code != 0 {
		t.Fatalf("the host run failed (exit %d):\n%s\n--- host job log ---\n%s", r.code, r.out(), log)
	}
	// The action in the step: found Gitea from the runner's environment, sent, waited.
	mustContain(t, log, "Dispatched workflow ok.yml on main in "+repo("target")+": Gitea answered 200", "completed: success",
		"outputs checked: run-id=")
	// Its step summary, printed by the step.
	mustContain(t, log, "--- step summary ---", repo("target"), "success", "--- end of step summary ---")
	mustNotContain(t, log, "GitHub answered", "cannot be identified")
	// The downstream run it reported is Gitea's, and its status went on the host run's commit.
	var id int64
	if _, err := fmt.Sscanf(log[strings.LastIndex(log, "outputs checked: run-id=")+len("outputs checked: run-id="):], "%d", &id); err != nil {
		t.Fatalf("no run ID in the log: %v", err)
	}
	got := getRun(t, "target", id)
	if got.Conclusion != "success" || !strings.HasPrefix(got.DisplayTitle, "OK from-the-host") {
		t.Errorf("the downstream run %d: %+v", id, got)
	}
	mustContain(t, jobLog(t, "target", id), "greeting=from-the-host count=2 debug=true")
	host := getRun(t, "host", ranID(t, r))
	statuses := statusesOf(t, "host", host.HeadSHA)
	found := false
	for _, st := range statuses {
		found = found || st.Context == "downstream" && st.Status == "success" && st.TargetURL == got.HTMLURL
	}
	if !found {
		t.Errorf("no success status \"downstream\" linking %s on the host's commit %s: %+v", got.HTMLURL, host.HeadSHA, statuses)
	}
}

func TestGiteaRunnersTokenCannotDispatchElsewhere(t *testing.T) {
	need(t)
	t.Parallel()
	r, log := hostRun(t, "call.yml", `{"token":"github"}`)
	if r.code != 1 {
		t.Fatalf("the host run did not fail (exit %d):\n%s", r.code, r.out())
	}
	mustContain(t, log, "Gitea answered 403 Forbidden", "On a Gitea runner, github.token may dispatch only in its own repository and only read others",
		"store it as a secret and pass token: ${{ secrets.DISPATCH_TOKEN }}")
}

func TestGiteaRunnerRunsThePortableAction(t *testing.T) {
	need(t)
	t.Parallel()
	r, log := hostRun(t, "portable.yml", `{}`)
	if r.code != 0 {
		t.Fatalf("the host run failed (exit %d):\n%s\n--- host job log ---\n%s", r.code, r.out(), log)
	}
	mustContain(t, log, "actions/setup-go is not needed", "Gitea answered 200", "completed: success", "outputs checked: run-id=")
}
