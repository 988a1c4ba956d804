package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/report"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// helpText is the CLI's usage, printed by `dispatch help` (golden-tested).
const helpText = `dispatch: send a repository_dispatch or workflow_dispatch event to a GitHub
repository, find the run it started and wait for its result

Usage:
  dispatch trigger --repository OWNER/NAME --event-type TYPE [flags]
  dispatch trigger --repository OWNER/NAME --workflow FILE.yml [--ref REF] [--inputs JSON] [flags]
  dispatch help
  dispatch version

Flags of trigger (named like the action's inputs):
  --repository OWNER/NAME      target repository (or https://github.com/OWNER/NAME);
                               several: comma-separated
  --concurrency N              targets in flight at once, 1 to 20 (default 4)
  --event-type TYPE            event type, 1-100 characters; the receiving workflow lists it
                               under on.repository_dispatch.types
  --client-payload JSON        JSON object with at most 10 top-level properties (default {})
  --client-payload-file PATH   read the payload from a file (/dev/stdin for a pipe)
  --api-url URL                REST API root (default $GITHUB_API_URL or https://api.github.com;
                               Enterprise Server: https://HOST/api/v3)
  --workflow FILE.yml|ID       send workflow_dispatch to this workflow instead
  --ref REF                    branch or tag for --workflow (default: the default branch)
  --inputs JSON                the workflow's inputs: at most 25, strings, numbers, booleans
  --wait none|started|completed
                               started: find the run the event started; completed: also
                               wait for it, printing each status change (default none)
  --wait-timeout DURATION      how long to find and wait for the run (default 30m)
  --fail-on-conclusion=false   exit 0 even when the run does not conclude success
  --add-distinct-id=true       always send a unique distinct_id, for receivers that
                               deduplicate (a retried event may arrive twice)
  --timeout DURATION           deadline for the whole run, e.g. 90s or 5m (default 5m,
                               or wait-timeout + 5m when waiting)
  --max-attempts N             attempts per request, 1 to 20; 1 disables retries (default 5)
  --dry-run                    check everything and print the exact request; send nothing
                               and need no token
  --json                       print the results as JSON on stdout

  --app-id ID                  authenticate as this GitHub App instead of with a token
  --app-private-key-file PATH  the App's private key (PEM); or set GITHUB_APP_PRIVATE_KEY
  --app-installation-id ID     the App's installation (default: found for each owner)

The token is read from GITHUB_TOKEN, or else GH_TOKEN; it is never taken from a flag.
It needs Contents: write on the repository for repository_dispatch, Actions: write for
workflow_dispatch, and Actions: read to find or wait for the run (fine-grained token or
GitHub App), or the repo scope (classic token).

Server errors, dropped connections and rate limits are retried as GitHub asks (Retry-After,
the rate-limit reset, else a minute or exponential backoff), never past --timeout. Each
attempt is logged on stderr.

Exit codes:
  0  the event was accepted (and the run, if waited for, succeeded), or with --dry-run
     would have been sent
  1  GitHub refused the event or did not answer, the run was not found, did not
     succeed or did not finish in time, or the command was cancelled
  2  bad input or usage; nothing was sent

Example:
  export GITHUB_TOKEN=github_pat_...
  dispatch trigger --repository OWNER/meetup-data \
    --event-type fetch-meetup-data --client-payload '{"source":"cli"}'
`

// runCLI runs `dispatch trigger` with its flags.
func (rn runner) runCLI(ctx context.Context, args []string) int {
	getenv, stdout, stderr := rn.getenv, rn.stdout, rn.stderr
	fs := flag.NewFlagSet("dispatch trigger", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in config.Inputs
	var dryRun, asJSON bool
	fs.StringVar(&in.Repository, "repository", "", "")
	fs.StringVar(&in.EventType, "event-type", "", "")
	fs.StringVar(&in.ClientPayload, "client-payload", "", "")
	fs.StringVar(&in.ClientPayloadFile, "client-payload-file", "", "")
	fs.StringVar(&in.APIURL, "api-url", "", "")
	fs.StringVar(&in.Timeout, "timeout", "", "")
	fs.StringVar(&in.MaxAttempts, "max-attempts", "", "")
	fs.StringVar(&in.Workflow, "workflow", "", "")
	fs.StringVar(&in.Ref, "ref", "", "")
	fs.StringVar(&in.WorkflowInputs, "inputs", "", "")
	fs.StringVar(&in.Wait, "wait", "", "")
	fs.StringVar(&in.WaitTimeout, "wait-timeout", "", "")
	fs.StringVar(&in.FailOnConclusion, "fail-on-conclusion", "", "")
	fs.StringVar(&in.AddDistinctID, "add-distinct-id", "", "")
	fs.StringVar(&in.Concurrency, "concurrency", "", "")
	fs.StringVar(&in.AppID, "app-id", "", "")
	fs.StringVar(&in.AppPrivateKeyFile, "app-private-key-file", "", "")
	fs.StringVar(&in.AppInstallationID, "app-installation-id", "", "")
	fs.BoolVar(&dryRun, "dry-run", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, helpText)
			return ExitOK
		}
		fmt.Fprintf(stderr, "error: %v\nrun 'dispatch help' for usage\n", err)
		return ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "error: unexpected argument %q (flags take the form --name value)\nrun 'dispatch help' for usage\n", fs.Arg(0))
		return ExitBadInput
	}
	in.Token, _ = config.CLIToken(getenv)
	if in.AppPrivateKeyFile == "" {
		in.AppPrivateKey = getenv("GITHUB_APP_PRIVATE_KEY")
	}
	in.DistinctID = rn.newID()
	if in.APIURL == "" {
		in.APIURL = config.APIURLFromEnv(getenv)
	}
	if dryRun {
		in.DryRun = "true"
	}

	red := report.NewRedactor(in.Token)
	stdout, stderr = red.Writer(stdout), red.Writer(stderr)
	cfg, problems := config.Build(config.CLIMode, in)
	if problems != nil {
		for _, p := range problems {
			fmt.Fprintf(stderr, "error: %s\n", p.Error())
		}
		fmt.Fprintln(stderr, "nothing was sent")
		return ExitBadInput
	}
	return rn.deliver(ctx, cfg, &cliReporter{stdout: stdout, stderr: stderr, red: red, asJSON: asJSON})
}

// cliReporter reports in CLI mode: progress and the dry run on stdout (unless --json),
// attempts and errors on stderr.
type cliReporter struct {
	stdout, stderr io.Writer // both redacting
	red            *report.Redactor
	asJSON         bool
}

func (c *cliReporter) attempt(target string, a ghclient.Attempt) {
	fmt.Fprintln(c.stderr, report.AuditLine(target, a))
}

func (c *cliReporter) sent(r dispatch.Result) {
	if r.OK() && !c.asJSON {
		fmt.Fprintln(c.stdout, report.SentLine(r))
	}
}

func (c *cliReporter) run(run runs.Run) {
	if !c.asJSON {
		fmt.Fprintln(c.stdout, report.RunLine(run))
	}
}

func (c *cliReporter) mask(secret string) { c.red.Add(secret) }

func (c *cliReporter) preview(reqs []ghclient.RecordedRequest) {
	if !c.asJSON {
		fmt.Fprintln(c.stdout, "Dry run: nothing was sent. This is the exact request:")
		fmt.Fprintln(c.stdout)
		report.Requests(c.stdout, reqs)
	}
}

func (c *cliReporter) warn(msg string) { fmt.Fprintf(c.stderr, "warning: %s\n", msg) }

func (c *cliReporter) failed(r dispatch.Result, hint string) {
	fmt.Fprintf(c.stderr, "error: %s\n", report.FailureLine(r))
	if hint != "" {
		fmt.Fprintf(c.stderr, "hint: %s\n", hint)
	}
}

func (c *cliReporter) finish(out outcome, code int) int {
	if c.asJSON {
		fmt.Fprintln(c.stdout, report.ResultsJSON(out.results))
	}
	return code
}
