package app

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/version"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/report"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
	"github.com/MrSunshyne/dispatch-action/internal/words"
)

// The CLI's commands: each names itself in the usage, owns its part of the help, parses
// its arguments into options without touching the network (parse, which tests call on
// their own), and runs with them.
type command struct {
	name    string
	aliases []string
	usage   []string // its lines of the help's usage
	help    string   // its part of the help (a file of help/), if any
	// parse reads the arguments (and the environment) into options; nil: it takes none.
	parse func(rn runner, args []string) (cliOptions, error)
	run   func(rn runner, ctx context.Context, o cliOptions) int
}

// cliOptions are what trigger's and watch's flags and environment give: the inputs to
// check (config.Build does), and how to print.
type cliOptions struct {
	in     config.Inputs
	asJSON bool
	help   bool // -h: print the help instead
}

//go:embed help
var helpFiles embed.FS

func helpPart(name string) string {
	b, err := helpFiles.ReadFile("help/" + name)
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return string(b)
}

// commands is the table of the CLI's commands, in the order the help lists them.
var commands []command

func init() {
	commands = []command{
		{name: "trigger", help: "trigger.txt", parse: parseTrigger, run: runner.trigger, usage: []string{
			"dispatch trigger -R OWNER/NAME --event-type TYPE [-f key=value]... [flags]",
			"dispatch trigger FILE.yml|ID|NAME -R OWNER/NAME [--ref REF] [-f key=value] [-F key=value]... [flags]"}},
		{name: "watch", help: "watch.txt", parse: parseWatch, run: runner.trigger, usage: []string{
			"dispatch watch --repository OWNER/NAME --run-id ID [flags]"}},
		{name: "help", aliases: []string{"-h", "--help", "-help"}, run: runner.printHelp, usage: []string{"dispatch help"}},
		{name: "version", aliases: []string{"--version", "-version"}, run: runner.printVersion, usage: []string{"dispatch version"}},
	}
}

// helpText is the CLI's usage, printed by `dispatch help` (and -h on any command):
// TestHelpDocumentsEveryFlag keeps it complete. Rendered when first asked for, not at
// every start.
var helpText = sync.OnceValue(renderHelp)

// renderHelp is the help: what the tool is, every command's usage, each command's part,
// then what they share.
func renderHelp() string {
	var b strings.Builder
	b.WriteString(helpPart("header.txt"))
	b.WriteString("Usage:\n")
	for _, c := range commands {
		for _, u := range c.usage {
			b.WriteString("  " + u + "\n")
		}
	}
	b.WriteString("\n")
	for _, c := range commands {
		if c.help != "" {
			b.WriteString(helpPart(c.help))
		}
	}
	b.WriteString(helpPart("footer.txt"))
	return b.String()
}

// commandNamed finds a command by its name or an alias.
func commandNamed(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name || slices.Contains(c.aliases, name) {
			return c, true
		}
	}
	return command{}, false
}

// runCommand runs the CLI's command args[0] with the rest of args.
func (rn runner) runCommand(ctx context.Context, args []string) int {
	c, ok := commandNamed(args[0])
	if !ok {
		fmt.Fprintf(rn.stderr, "error: unknown command %q\nrun 'dispatch help' for usage\n", args[0])
		return ExitBadInput
	}
	var o cliOptions
	if c.parse != nil {
		var err error
		if o, err = c.parse(rn, args[1:]); err != nil {
			fmt.Fprintf(rn.stderr, "error: %v\nrun 'dispatch help' for usage\n", err)
			return ExitBadInput
		}
	}
	if o.help {
		return rn.printHelp(ctx, o)
	}
	return c.run(rn, ctx, o)
}

func (rn runner) printHelp(context.Context, cliOptions) int {
	fmt.Fprint(rn.stdout, helpText())
	return ExitOK
}

func (rn runner) printVersion(context.Context, cliOptions) int {
	fmt.Fprintf(rn.stdout, "dispatch %s\n", version.Version)
	return ExitOK
}

// parseTrigger reads trigger's flags, named like the action's inputs, and what the
// environment gives (the token, the App's key, the API and server URLs). It checks only
// the form of the arguments; config.Build checks the values.
func parseTrigger(rn runner, args []string) (cliOptions, error) {
	var o cliOptions
	fs := flag.NewFlagSet("dispatch trigger", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.in.Flags(fs)
	fs.BoolVar(&o.asJSON, "json", false, "")
	err := parseFlags(fs, args)
	if err == nil && fs.NArg() > 0 { // the workflow, as gh workflow run takes it; flags may follow
		workflow := fs.Arg(0)
		if err = parseFlags(fs, fs.Args()[1:]); err == nil && o.in.Workflow != "" {
			err = fmt.Errorf("the workflow is given twice, as %q and --workflow %q: give it once", workflow, o.in.Workflow)
		}
		o.in.Workflow = workflow
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return cliOptions{help: true}, nil
	case err != nil:
		return o, err
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q: the only one is the workflow (dispatch trigger deploy.yml -R OWNER/REPO); flags take the form --name value", fs.Arg(0))
	}
	o.in.FromCLIEnv(rn.getenv)
	o.in.DistinctID = rn.newID()
	return o, nil
}

// parseFlags parses args with fs, saying first what to use instead of a flag that does
// not exist.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := config.UnknownFlag(fs, args); err != nil {
		return err
	}
	return fs.Parse(args)
}

// parseWatch is parseTrigger for a run given by its ID, which it needs.
func parseWatch(rn runner, args []string) (cliOptions, error) {
	o, err := parseTrigger(rn, args)
	if err == nil && !o.help && o.in.RunID == "" {
		err = errors.New("--run-id: watch needs the ID of the run to follow")
	}
	return o, err
}

// trigger checks the inputs, then sends and follows as they say, and reports in the CLI's
// way.
func (rn runner) trigger(ctx context.Context, o cliOptions) int {
	in, asJSON := o.in, o.asJSON
	stdout, stderr := rn.stdout, rn.stderr
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

func (c *cliReporter) Attempt(target string, a ghclient.Attempt) {
	fmt.Fprintln(c.stderr, report.AuditLine(target, a))
}

func (c *cliReporter) Sent(r outcome.Result) {
	if r.OK() && !c.asJSON {
		fmt.Fprintln(c.stdout, report.SentLine(r))
	}
}

func (c *cliReporter) Run(run runs.Run) {
	if !c.asJSON {
		fmt.Fprintln(c.stdout, report.RunLine(run))
	}
}

func (c *cliReporter) Mask(secret string) { c.red.Add(secret) }

func (c *cliReporter) preview(reqs []ghclient.RecordedRequest) {
	if !c.asJSON {
		fmt.Fprintln(c.stdout, words.DryRun(len(reqs)))
		fmt.Fprintln(c.stdout)
		report.Requests(c.stdout, reqs)
	}
}

func (c *cliReporter) warn(msg string) { fmt.Fprintf(c.stderr, "warning: %s\n", msg) }

func (c *cliReporter) note(msg string) {
	if !c.asJSON {
		fmt.Fprintln(c.stdout, msg)
	}
}

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

func (c *cliReporter) finish(results []outcome.Result, _ []string, code int) int {
	if c.asJSON {
		fmt.Fprintln(c.stdout, outcome.JSON(results))
	}
	return code
}

// amend prints what the clean-up did, as warnings (the results printed stand: a run it
// cancelled is said here).
func (c *cliReporter) amend(_ []outcome.Result, _ bool, warnings []string) {
	for _, w := range warnings {
		c.warn(w)
	}
}
