package config

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// readLimited reads a file of at most limit bytes; a larger one (or an endless one, such
// as /dev/zero) is refused after reading one byte more.
func readLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("cannot be read: %w", err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("is larger than %d bytes: no valid value is that long", limit)
	}
	return data, nil
}

// builder checks one concern of the inputs at a time, each adding to the same list of
// problems.
type builder struct {
	mode      Mode
	in        Inputs
	c         *Config
	problems  Problems
	repoItems []repoItem // every repository as given, for the check of its host
}

// repoItem is a repository as given, and how to name its input in a problem.
type repoItem struct {
	text string
	bad  badFunc
}

func (b *builder) bad(input, format string, args ...any) {
	b.problems = append(b.problems, Problem{Input: input, Label: Label(b.mode, input), Rule: fmt.Sprintf(format, args...)})
}

// Build checks the inputs and returns the Config, or every problem found. It reads the
// client-payload and key files, and the calling event's payload, if it needs them, and
// sends nothing.
func Build(m Mode, in Inputs) (*Config, Problems) {
	b := &builder{mode: m, in: in, c: &Config{Mode: m, Token: in.Token}}
	b.removedInputs()
	b.twice()
	b.fields()
	b.wait() // before the events: waiting decides whether a distinct ID is sent
	switch {
	case strings.TrimSpace(in.Targets) != "":
		b.targetList()
	case strings.TrimSpace(in.RunID) != "":
		b.awaitRun()
	default:
		b.oneEvent()
	}
	b.sending()
	b.concurrency()
	b.afterRun()
	b.delivery()
	b.auth()
	b.status()
	if len(b.problems) > 0 {
		return nil, b.problems
	}
	for i := range b.c.Targets {
		b.c.Targets[i].Index, b.c.Targets[i].Of = i, len(b.c.Targets)
	}
	return b.c, nil
}

// sending: the dry run, and what is read before anything is sent (preflight).
func (b *builder) sending() {
	dry, err := parseBool(b.in.DryRun, false)
	if err != nil {
		b.bad("dry-run", "%v", err)
	}
	b.c.DryRun = dry
	switch p := Preflight(strings.ToLower(strings.TrimSpace(b.in.Preflight))); p {
	case "":
		b.c.Preflight = PreflightCheck
	case PreflightCheck, PreflightWarn, PreflightOff:
		b.c.Preflight = p
	default:
		b.bad("preflight", "%q is not one of check (read the receiving workflows and refuse what would not run), warn or off", b.in.Preflight)
	}
	if b.c.RunID != 0 {
		b.c.Preflight = PreflightOff // nothing is sent
	}
	if b.c.DryRun && b.c.RunID != 0 {
		b.bad("dry-run", "cannot be used together with run-id: a dry run previews a dispatch, and run-id dispatches nothing")
	}
}

// concurrency: how many targets at once.
func (b *builder) concurrency() {
	if n, err := parseIntRange(b.in.Concurrency, DefaultConcurrency, 1, MaxConcurrency); err != nil {
		b.bad("concurrency", "%v", err)
	} else {
		b.c.Concurrency = n
	}
}

// repositories: the repository input's targets.
func (b *builder) repositories() []event.Repo {
	for _, item := range listItems(b.in.Repository) {
		b.repoItems = append(b.repoItems, repoItem{text: item, bad: b.bad})
	}
	repos, errs := ParseRepositories(b.in.Repository)
	for _, err := range errs {
		b.bad("repository", "%v", err)
	}
	return repos
}

// oneEvent: the event the top-level inputs describe, sent to every repository named.
func (b *builder) oneEvent() {
	payloadText := b.atFile("client-payload", b.in.ClientPayload, event.MaxDispatchBodyBytes)
	inputsText := b.atFile("inputs", b.in.WorkflowInputs, event.MaxDispatchBodyBytes)
	ev := eventInputs{eventType: b.in.EventType, payload: payloadText, payloadInput: "client-payload",
		workflow: b.in.Workflow, ref: b.in.Ref, inputs: inputsText, inputsInput: "inputs"}
	repos := b.repositories()
	t, ok := b.event(ev, b.bad, b.in.DistinctID)
	if !ok {
		return
	}
	for _, r := range repos {
		t.Repo = r
		b.c.Targets = append(b.c.Targets, t)
	}
}

// wait: how far to follow the run, for how long, and which of its jobs.
func (b *builder) wait() {
	if id := strings.TrimSpace(b.in.RunID); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			b.bad("run-id", "%q is not a run ID (a positive number, as in the run's URL …/actions/runs/ID)", id)
		} else {
			b.c.RunID = n
		}
	}
	switch w := event.Wait(strings.ToLower(strings.TrimSpace(b.in.Wait))); w {
	case "":
		b.c.Wait = event.WaitNone
		if strings.TrimSpace(b.in.RunID) != "" {
			b.c.Wait = event.WaitCompleted // following a run: to its end unless told otherwise
		}
	case event.WaitNone, event.WaitStarted, event.WaitCompleted:
		b.c.Wait = w
	default:
		b.bad("wait", "%q is not one of none, started, completed", b.in.Wait)
		b.c.Wait = event.WaitNone
	}
	if d, err := parseDuration(b.in.WaitTimeout, DefaultWaitTimeout); err != nil {
		b.bad("wait-timeout", "%v", err)
	} else {
		b.c.WaitTimeout = d
	}
	var err error
	if b.c.FailOnConclusion, err = parseBool(b.in.FailOnConclusion, true); err != nil {
		b.bad("fail-on-conclusion", "%v", err)
	}
	if b.c.AddDistinctID, err = parseBool(b.in.AddDistinctID, false); err != nil {
		b.bad("add-distinct-id", "%v", err)
	}
	b.jobs()
}

// jobs: the jobs of the run to wait for, instead of the whole run.
func (b *builder) jobs() {
	names, err := ParseJobs(b.in.Jobs)
	switch {
	case err != nil:
		b.bad("jobs", "%v", err)
	case len(names) > 0 && b.c.Wait != event.WaitCompleted:
		b.bad("jobs", "needs wait: completed: the jobs named are waited for until they complete")
	}
	b.c.Jobs = names
}

// atFile is an input's text as given: inline, or, when it starts with @, read from the
// file it names (gh's convention: a path relative to the working directory, the workspace
// in a workflow), within max bytes.
func (b *builder) atFile(input, text string, max int) string {
	path, ok := strings.CutPrefix(strings.TrimSpace(text), "@")
	if !ok {
		return text
	}
	if strings.TrimSpace(path) == "" {
		b.bad(input, "is @ without a path: give @PATH, a file to read the value from")
		return ""
	}
	data, err := readLimited(strings.TrimSpace(path), max)
	if err != nil {
		b.bad(input, "%v", err)
	}
	return string(data)
}

// eventInputs are the inputs that describe one event, as given: the top-level inputs, or
// one entry of targets.
type eventInputs struct {
	eventType, payload, workflow, ref, inputs string
	payloadInput                              string // the payload's input: client-payload, or targets[i].client-payload
	inputsInput                               string // the inputs' input ("": inputs)
}

// badFunc reports a problem with an input, named as the event's inputs were given.
type badFunc func(input, format string, args ...any)

// event checks one event's inputs: workflow_dispatch when workflow is given, else
// repository_dispatch. The distinct ID goes in when the run is to be found.
func (b *builder) event(ev eventInputs, bad badFunc, distinctID string) (event.Target, bool) {
	before := len(b.problems)
	var t event.Target
	if strings.TrimSpace(ev.workflow) != "" {
		t = b.workflowDispatch(ev, bad, distinctID)
	} else {
		t = b.repositoryDispatch(ev, bad, distinctID)
	}
	return t, len(b.problems) == before
}

// repositoryDispatch: event-type and client-payload, with the distinct ID added when
// the run is to be found.
func (b *builder) repositoryDispatch(ev eventInputs, bad badFunc, distinctID string) event.Target {
	t := event.Target{Event: event.RepositoryDispatch, EventType: ev.eventType, Inputs: event.EmptyObject}
	if strings.TrimSpace(ev.ref) != "" {
		bad("ref", "needs workflow: ref chooses the branch of a workflow_dispatch; repository_dispatch always runs on the default branch")
	}
	if p := strings.TrimSpace(ev.inputs); p != "" && p != "{}" {
		bad(cmp.Or(ev.inputsInput, "inputs"), "needs workflow: inputs are for workflow_dispatch; repository_dispatch takes client-payload")
	}
	eventOK := true
	if err := CheckEventType(ev.eventType); err != nil {
		if ev.eventType == "" {
			err = fmt.Errorf("%w (or set workflow to send workflow_dispatch)", err)
		}
		bad("event-type", "%v", err)
		eventOK = false
	}
	payload, err := ParsePayload(ev.payload, event.MaxPayloadProperties)
	if err == nil && (b.c.Wait != event.WaitNone || b.c.AddDistinctID) {
		payload, t.DistinctID, err = withDistinctID(payload, distinctID)
	}
	if err != nil {
		bad(ev.payloadInput, "%v", err)
		return t
	}
	t.ClientPayload = payload
	if n := len(event.RepositoryDispatchBody(ev.eventType, payload)); eventOK && n > event.MaxDispatchBodyBytes {
		bad(ev.payloadInput, "makes a request body of %d bytes: GitHub accepts under 64 KB (%d bytes); send a link to the data instead of the data", n, event.MaxDispatchBodyBytes+1)
	}
	return t
}

// workflowDispatch: workflow, ref and inputs.
func (b *builder) workflowDispatch(ev eventInputs, bad badFunc, distinctID string) event.Target {
	t := event.Target{Event: event.WorkflowDispatch, Inputs: event.EmptyObject}
	if wf, byName, err := ParseWorkflow(ev.workflow); err != nil {
		bad("workflow", "%v", err)
	} else {
		t.Workflow, t.WorkflowByName = wf, byName
	}
	if ev.eventType != "" {
		bad("event-type", "cannot be used together with workflow: event-type is for repository_dispatch, workflow sends workflow_dispatch")
	}
	if p := strings.TrimSpace(ev.payload); p != "" && p != "{}" {
		bad(ev.payloadInput, "is for repository_dispatch: with workflow, pass the workflow's inputs in inputs")
	}
	if ref := strings.TrimSpace(ev.ref); ref != "" {
		if err := event.CheckRef(ref); err != nil {
			bad("ref", "%v", err)
		}
		t.Ref = ref
	}
	inputs, err := ParseWorkflowInputs(ev.inputs)
	if err != nil {
		bad(cmp.Or(ev.inputsInput, "inputs"), "%v", err)
		return t
	}
	t.Inputs = inputs
	if b.c.Wait != event.WaitNone || b.c.AddDistinctID {
		// Without add-distinct-id, sent only if GitHub cannot name the run itself (older
		// Enterprise Server).
		t.DistinctID = distinctID
		if v, ok := inputs.StringProperty(event.DistinctIDKey); ok {
			t.DistinctID = v
		}
	}
	if b.c.AddDistinctID {
		if !inputs.Has(event.DistinctIDKey) && inputs.Len() >= event.MaxWorkflowInputs {
			bad(cmp.Or(ev.inputsInput, "inputs"), "has %d properties: with add-distinct-id, the action adds %q, and GitHub allows at most %d", inputs.Len(), event.DistinctIDKey, event.MaxWorkflowInputs)
		}
		t.Inputs = inputs.WithDistinctID(t.DistinctID)
	}
	return t
}

// awaitRun: with run-id, nothing is dispatched, so nothing may describe an event.
func (b *builder) awaitRun() {
	in, c := b.in, b.c
	for _, f := range []struct {
		input, value string
		object       bool // an empty object says nothing either
	}{ // in a fixed order: problems are reported in it
		{"event-type", in.EventType, false}, {"workflow", in.Workflow, false}, {"ref", in.Ref, false},
		{"client-payload", in.ClientPayload, true}, {"inputs", in.WorkflowInputs, true},
	} {
		if v := strings.TrimSpace(f.value); v != "" && !(f.object && v == "{}") {
			b.bad(f.input, "cannot be used together with run-id: run-id follows a run that exists, and dispatches nothing")
		}
	}
	repos := b.repositories()
	if len(repos) > 1 {
		b.bad("run-id", "names one run, but repository names %d repositories: give only the run's repository", len(repos))
	}
	if c.Wait == event.WaitNone {
		b.bad("wait", "is none, but run-id is set: use started to read the run, or completed to wait for it")
	}
	if len(repos) > 0 {
		c.Targets = []event.Target{{Repo: repos[0]}}
	}
}

// afterRun: what to do once the run is found or done.
func (b *builder) afterRun() {
	in, c := b.in, b.c
	if n, err := parseIntRange(in.LogLines, DefaultLogLines, 0, MaxLogLines); err != nil {
		b.bad("log-lines", "%v", err)
	} else {
		c.LogLines = n
	}
	b.cancelRun()
	b.failFast()
	if name := strings.TrimSpace(in.OutputsArtifact); name != "" {
		if err := CheckArtifactName(name); err != nil {
			b.bad("outputs-artifact", "%v", err)
		}
		if c.Wait != event.WaitCompleted {
			b.bad("outputs-artifact", "needs wait: completed: the outputs are read from the finished run")
		}
		c.OutputsArtifact = name
	}
}

// failFast: whether the first failed job ends the wait, and then cancels the run.
func (b *builder) failFast() {
	c, err := b.c, error(nil)
	if c.FailFast, err = parseBool(b.in.FailFast, false); err != nil {
		b.bad("fail-fast", "%v", err)
	}
	if c.FailFast && c.Wait != event.WaitCompleted {
		b.bad("fail-fast", "needs wait: completed: it ends the wait for the run at its first failed job")
	}
	if c.CancelRunOnFailure && !c.FailFast {
		b.bad("cancel-run", "is on-failure, which needs fail-fast: the run is cancelled when fail-fast ends the wait (without it the run is followed to its end)")
	}
}

// cancelRun: when the step cancels the run it followed: never (the default), on-abort
// (when it gives up on it: the wait or the step's timeout ran out, or the job was
// cancelled), on-failure (when fail-fast ended the wait), or both, comma-separated.
func (b *builder) cancelRun() {
	for _, v := range strings.FieldsFunc(strings.ToLower(b.in.CancelRun), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		switch v {
		case "never":
		case "on-abort":
			b.c.CancelRunOnAbort = true
		case "on-failure":
			b.c.CancelRunOnFailure = true
		default:
			b.bad("cancel-run", "%q is not one of never, on-abort, on-failure (or on-abort,on-failure for both)", v)
		}
	}
}

// delivery: attempts, the step's timeout and the API root.
func (b *builder) delivery() {
	in, c := b.in, b.c
	if n, err := ParseMaxAttempts(in.MaxAttempts); err != nil {
		b.bad("max-attempts", "%v", err)
	} else {
		c.MaxAttempts = n
	}
	// The timeout bounds the whole step. Left empty it fits the work: the pacing of the
	// busiest credential, and the wait.
	waiting := c.Wait != event.WaitNone
	defTimeout := b.fittingTimeout()
	if d, err := parseDuration(in.Timeout, defTimeout); err != nil {
		b.bad("timeout", "%v", err)
	} else {
		c.Timeout = d
		if waiting && strings.TrimSpace(in.Timeout) != "" && d <= c.WaitTimeout {
			whole := "step"
			if b.mode == CLIMode {
				whole = "command"
			}
			b.bad("timeout", "%s is not longer than %s (%s): it bounds the whole %s, waiting included; raise it, or leave it empty for the wait-timeout + 5m",
				d, Label(b.mode, "wait-timeout"), c.WaitTimeout, whole)
		}
	}
	if u, err := ParseAPIURL(in.APIURL); err != nil {
		b.bad("api-url", "%v", err)
	} else {
		c.APIURL = u
		b.repositoryHosts(u)
	}
}

// repositoryHosts refuses a repository given as the URL of another server than the API's:
// it would be sent to the same owner/name on the API's server. The API's web host is the
// server a URL may name; the runner's own (GITHUB_SERVER_URL) too when the API is the
// runner's (GITHUB_API_URL), whatever its root looks like (a proxy's path).
func (b *builder) repositoryHosts(api *url.URL) {
	allowed := []string{WebHost(api)}
	runnerAPI, err := ParseAPIURL(cmp.Or(strings.TrimSpace(b.in.Caller.APIURL), DefaultAPIURL))
	if u, uerr := url.Parse(strings.TrimSpace(b.in.Caller.ServerURL)); uerr == nil && u.Host != "" && err == nil && runnerAPI.String() == api.String() {
		allowed = append(allowed, strings.ToLower(u.Host))
	}
	for _, item := range b.repoItems {
		if h := repositoryHost(item.text); h != "" && !slices.Contains(allowed, h) {
			root := "https://" + h + "/api/v3"
			if h == "github.com" {
				root = "https://api.github.com"
			}
			item.bad("repository", "%q is a repository on %s, but %s (%s) is the API of %s: give owner/name for %s, or for %s set %s to %s",
				Printable(item.text), h, Label(b.mode, "api-url"), api, allowed[0], allowed[0], h, Label(b.mode, "api-url"), root)
		}
	}
}

// PacingMargin is what the default timeout adds to the pacing for everything else.
const PacingMargin = 2 * time.Minute

// fittingTimeout is the default timeout: enough for the busiest credential's targets at
// one a second, plus a margin, never less than DefaultTimeout; plus wait-timeout when
// waiting; at most MaxTimeout.
func (b *builder) fittingTimeout() time.Duration {
	busiest := len(b.c.Targets)
	if b.appIdentity() != "" { // one installation token per owner, each paced on its own
		per := map[string]int{}
		busiest = 0
		for _, t := range b.c.Targets {
			owner := strings.ToLower(t.Repo.Owner)
			per[owner]++
			busiest = max(busiest, per[owner])
		}
	}
	if strings.TrimSpace(b.in.StatusContext) != "" { // two commit statuses a target, paced too
		busiest += 2 * len(b.c.Targets)
	}
	d := max(DefaultTimeout, time.Duration(busiest)*event.PaceInterval+PacingMargin)
	if b.c.Wait != event.WaitNone {
		d += b.c.WaitTimeout
	}
	return min(d, MaxTimeout)
}

// auth: a GitHub App when its ID and key are given, else the token. A dry run prints the
// request without sending it, so it needs neither.
func (b *builder) auth() {
	in := b.in
	keyInput, keyText := "app-private-key", in.AppPrivateKey
	if t := strings.TrimSpace(keyText); b.mode == CLIMode && t != "" && !strings.HasPrefix(t, "@") && !b.in.KeyFromEnv {
		b.bad(keyInput, "takes @PATH, a file holding the key, or the key in GITHUB_APP_PRIVATE_KEY: a key on the command line would land in shell history")
		return
	}
	keyText = b.atFile(keyInput, keyText, MaxKeyBytes)
	idInput := "app-id"
	switch appID, key := b.appIdentity(), strings.TrimSpace(keyText); {
	case appID != "" && key != "":
		b.app(appID, idInput, key, keyInput)
	case appID != "":
		b.bad(keyInput, "is empty, but %s is set: a GitHub App needs both", Label(b.mode, idInput))
	case key != "":
		b.bad("app-id", "is empty, but %s is set: a GitHub App needs both (app-id takes its App ID or its client ID)", Label(b.mode, keyInput))
	case in.Token == "" && !b.c.DryRun:
		switch {
		case b.mode == CLIMode && b.c.RunID != 0:
			b.bad("token", "is not set: export GH_TOKEN (or GITHUB_TOKEN) with a token that may read the repository's Actions (Actions: read)")
		case b.mode == CLIMode:
			b.bad("token", "is not set: export GH_TOKEN (or GITHUB_TOKEN) with a token that may write to the repository, or use --dry-run")
		default:
			b.bad("token", "is empty: pass a secret, e.g. token: ${{ secrets.DISPATCH_TOKEN }}, or leave it unset to use github.token")
		}
	case in.Token != "":
		if err := CheckToken(in.Token); err != nil {
			b.bad("token", "%v", err)
		}
	}
}

// appIdentity is the App's JWT issuer as given: its client ID or its App ID.
func (b *builder) appIdentity() string { return strings.TrimSpace(b.in.AppID) }

func (b *builder) app(appID, idInput, key, keyInput string) {
	c, repos := b.c, b.c.Repos()
	c.App = &App{ID: appID}
	c.Token = ""
	if err := CheckAppID(appID); err != nil {
		b.bad(idInput, "%v", err)
	}
	if k, err := ParsePrivateKey([]byte(key)); err != nil {
		b.bad(keyInput, "%v", err)
	} else {
		c.App.Key = k
	}
	id := strings.TrimSpace(b.in.AppInstallationID)
	if id == "" {
		return
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		b.bad("app-installation-id", "%q is not an installation ID (a positive number)", id)
	}
	c.App.InstallationID = n
	for _, r := range repos[min(1, len(repos)):] {
		if !strings.EqualFold(r.Owner, repos[0].Owner) {
			b.bad("app-installation-id", "names one installation, but the targets belong to %s and %s: leave it empty to find the installation of each owner", repos[0].Owner, r.Owner)
			return
		}
	}
}
