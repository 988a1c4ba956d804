package app

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/report"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// helpText is the CLI's usage, printed by `dispatch help`; TestHelpDocumentsEveryFlag keeps it complete.
//
//go:embed help.txt
var helpText string

// runCLI runs `dispatch trigger` (or, with watch, `dispatch watch`) with its flags.
func (rn runner) runCLI(ctx context.Context, args []string, watch bool) int {
	getenv, stdout, stderr := rn.getenv, rn.stdout, rn.stderr
	fs := flag.NewFlagSet("dispatch trigger", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in config.Inputs
	in.Flags(fs)
	var asJSON bool
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
	in.ServerURL = getenv("GITHUB_SERVER_URL")
	if watch && in.RunID == "" {
		fmt.Fprintln(stderr, "error: --run-id: watch needs the ID of the run to follow\nrun 'dispatch help' for usage")
		return ExitBadInput
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

func (c *cliReporter) sent(r outcome.Result) {
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

func (c *cliReporter) failed(r outcome.Result, hint string) {
	fmt.Fprintf(c.stderr, "error: %s\n", report.FailureLine(r))
	for _, line := range report.FailedJobLines(r) {
		fmt.Fprintf(c.stderr, "  %s\n", line)
	}
	for _, j := range r.Run.FailedJobs {
		if len(j.LogTail) > 0 {
			// Indented, so that no downstream line starts a workflow command when the CLI
			// itself runs in a workflow.
			fmt.Fprintf(c.stderr, "  %s:\n", report.LogTailTitle(r, j))
			for _, l := range j.LogTail {
				fmt.Fprintf(c.stderr, "    | %s\n", untrusted.Line(l, 0))
			}
		}
	}
	if hint != "" {
		fmt.Fprintf(c.stderr, "hint: %s\n", hint)
	}
}

func (c *cliReporter) finish(out stepResult, code int) int {
	if c.asJSON {
		fmt.Fprintln(c.stdout, report.ResultsJSON(out.results))
	}
	return code
}
