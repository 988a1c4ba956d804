package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/MrSunshyne/dispatch-action/internal/config"
)

// The public surface is named in many places: action.yml and portable/action.yml, the
// README, docs/, the CLI's help and the examples. These tests hold them together: every
// input, output, flag, environment variable and exit code named anywhere exists, and the
// README's tables say what action.yml says.

// surfaceFiles are the documents and help a user reads, and the examples.
func surfaceFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"README.md", "docs/*.md", "internal/app/help/*.txt", "examples/*.yml", "examples/migrating/*.after.yml", ".github/workflows/*.yml", ".ci/act/*.yml", "internal/forgetest/testdata/gitea/*/.gitea/workflows/*.yml", "action.yml", "portable/action.yml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// cell is a table row's cells, trimmed.
func cells(line string) []string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// tableAfter is the rows of the first table after heading in a Markdown document.
func tableAfter(t *testing.T, doc, heading string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("no %q", heading)
	}
	var rows [][]string
	started := false
	for _, line := range strings.Split(rest, "\n") {
		switch {
		case strings.HasPrefix(line, "|"):
			started = true
			if !strings.HasPrefix(line, "|---") {
				rows = append(rows, cells(line))
			}
		case started:
			return rows[1:] // without the header
		}
	}
	return rows[1:]
}

// The README's inputs and outputs tables are action.yml's, in its order, and a literal
// default is the same in both.
func TestTheReadmeTablesAreActionYml(t *testing.T) {
	t.Parallel()
	var action struct {
		Inputs  yaml.Node `yaml:"inputs"`
		Outputs yaml.Node `yaml:"outputs"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "action.yml")), &action); err != nil {
		t.Fatal(err)
	}
	readme := read(t, "README.md")
	var names, defaults []string
	for i := 0; i+1 < len(action.Inputs.Content); i += 2 {
		names = append(names, action.Inputs.Content[i].Value)
		var def string
		for j := 0; j+1 < len(action.Inputs.Content[i+1].Content); j += 2 {
			if action.Inputs.Content[i+1].Content[j].Value == "default" {
				def = action.Inputs.Content[i+1].Content[j+1].Value
			}
		}
		defaults = append(defaults, def)
	}
	var rows []string
	for _, row := range tableAfter(t, readme, "## Inputs") {
		rows = append(rows, strings.Trim(row[0], "`"))
		i := slices.Index(names, strings.Trim(row[0], "`"))
		if i >= 0 && defaults[i] != "" && !strings.Contains(row[1], "`"+defaults[i]+"`") {
			t.Errorf("README: input %s defaults to %q, action.yml to %q", names[i], row[1], defaults[i])
		}
	}
	if !slices.Equal(rows, names) {
		t.Errorf("README's inputs:\n%v\naction.yml's:\n%v", rows, names)
	}
	var outputs, outRows []string
	for i := 0; i < len(action.Outputs.Content); i += 2 {
		outputs = append(outputs, action.Outputs.Content[i].Value)
	}
	for _, row := range tableAfter(t, readme, "## Outputs") {
		outRows = append(outRows, strings.Trim(row[0], "`"))
	}
	slices.Sort(outputs)
	slices.Sort(outRows)
	if !slices.Equal(outRows, outputs) {
		t.Errorf("README's outputs %v, action.yml's %v", outRows, outputs)
	}
	for _, name := range config.RemovedInputs() {
		if name != "app-private-key-file" && !strings.Contains(readme, "`"+name+"`") { // a flag only: docs/cli.md
			t.Errorf("README does not list the removed input %s", name)
		}
	}
}

// outputRef is an output read by a later step; stepID a step's id.
var (
	outputRef = regexp.MustCompile(`steps\.([a-zA-Z0-9_-]+)\.outputs\.([a-z][a-z0-9-]*)`)
	stepID    = regexp.MustCompile(`^\s*-?\s*id:\s*([a-zA-Z0-9_-]+)`)
)

// ourSteps are the ids of the steps of text that use this action (an id within a few lines
// of the uses: line, either side), and ID, the placeholder of the prose.
func ourSteps(text string) map[string]bool {
	ids := map[string]bool{"ID": true}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if !usesOurs.MatchString(line) {
			continue
		}
		for _, l := range lines[max(i-3, 0):min(i+4, len(lines))] {
			if m := stepID.FindStringSubmatch(l); m != nil {
				ids[m[1]] = true
			}
		}
	}
	return ids
}

// Every output a document, the help or an example reads of a step of this action exists.
// (The migration guide's left-hand columns and before-workflows name other actions'.)
func TestEveryOutputNamedExists(t *testing.T) {
	t.Parallel()
	ours := readAction(t, "action.yml")
	checked := 0
	for _, file := range surfaceFiles(t) {
		text := read(t, file)
		steps := ourSteps(text)
		for _, m := range outputRef.FindAllStringSubmatch(text, -1) {
			if !steps[m[1]] || file == "portable/action.yml" && m[1] != "dispatch" {
				continue
			}
			checked++
			if _, ok := ours.Outputs[m[2]]; !ok {
				t.Errorf("%s reads the output %s of step %s, which action.yml does not declare", file, m[2], m[1])
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d outputs read in the documents: the test does not see them", checked)
	}
}

// withKey is a key under a step's with:.
var usesOurs = regexp.MustCompile(`^(\s*)-?\s*uses:\s*(MrSunshyne/dispatch-action(/portable)?@|\./(portable)?\s*$)`)

// Every input a workflow in a document gives this action exists.
func TestEveryInputGivenExists(t *testing.T) {
	t.Parallel()
	ours := readAction(t, "action.yml")
	for _, file := range surfaceFiles(t) {
		lines := strings.Split(read(t, file), "\n")
		for i, line := range lines {
			if !usesOurs.MatchString(line) {
				continue
			}
			inWith, withIndent := false, -1
			for _, l := range lines[i+1:] {
				indent := len(l) - len(strings.TrimLeft(l, " "))
				trimmed := strings.TrimSpace(l)
				switch {
				case trimmed == "" || strings.HasPrefix(trimmed, "#"):
					continue
				case strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "```") || withIndent >= 0 && indent <= withIndent:
				case trimmed == "with:":
					inWith, withIndent = true, indent
					continue
				case inWith:
					key, _, _ := strings.Cut(trimmed, ":")
					if _, ok := ours.Inputs[key]; !ok && indent == withIndent+2 {
						t.Errorf("%s gives this action the input %q, which action.yml does not declare", file, key)
					}
					continue
				default:
					continue
				}
				break
			}
		}
	}
}

// inputVar is an input as the runner passes it to the binary.
var inputVar = regexp.MustCompile(`\bINPUT_([A-Z][A-Z0-9-]*)\b`)

// Every INPUT_ variable a workflow or fixture sets (the portable action, the Gitea
// runner's fixtures) is an input's.
func TestEveryInputVariableIsAnInput(t *testing.T) {
	t.Parallel()
	ours := readAction(t, "action.yml")
	for _, file := range surfaceFiles(t) {
		for _, m := range inputVar.FindAllStringSubmatch(read(t, file), -1) {
			if _, ok := ours.Inputs[strings.ToLower(m[1])]; !ok {
				t.Errorf("%s sets INPUT_%s, which is no input", file, m[1])
			}
		}
	}
}

// cliFlag is a flag in a command line of this tool, or one named in backticks.
var (
	ourCommand = regexp.MustCompile(`(?:dispatch|go run \.) (?:trigger|watch)\b.*`)
	flagIn     = regexp.MustCompile(`(?:^|[\s(\[])(--?[a-zA-Z][a-z-]*)`)
	tickedFlag = regexp.MustCompile("`(--[a-z][a-z-]*)")
)

// Every flag named in a command line of this tool (README, docs, help), or in backticks
// in the README, the CLI's page and the help, is one the CLI takes; a removed one only
// where its removal is said.
func TestEveryFlagNamedExists(t *testing.T) {
	t.Parallel()
	var in config.Inputs
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	in.Flags(fs)
	known := func(name string) bool {
		name = strings.TrimLeft(name, "-")
		return fs.Lookup(name) != nil && !config.IsRemoved(name) || name == "json" || name == "h" || name == "help"
	}
	for _, file := range surfaceFiles(t) {
		if strings.HasSuffix(file, ".yml") {
			continue
		}
		ticks := file == "README.md" || file == "docs/cli.md" || strings.HasPrefix(file, "internal/app/help/")
		for n, line := range strings.Split(read(t, file), "\n") {
			var named []string
			for _, cmd := range ourCommand.FindAllString(line, -1) {
				for _, m := range flagIn.FindAllStringSubmatch(cmd, -1) {
					named = append(named, m[1])
				}
			}
			if ticks {
				for _, m := range tickedFlag.FindAllStringSubmatch(line, -1) {
					named = append(named, m[1])
				}
			}
			for _, name := range named {
				if !known(name) && !(config.IsRemoved(strings.TrimLeft(name, "-")) && strings.Contains(line, "removed")) {
					t.Errorf("%s:%d names %s, which the CLI does not take", file, n+1, name)
				}
			}
		}
	}
}

// envVar is an environment variable the code reads by name.
var envRead = regexp.MustCompile(`(?:[gG]etenv|either)\("([A-Z][A-Z0-9_]*)"\)`)

// The CLI's page lists every variable the binary reads, and nothing else: the code's own
// reads, the proxy variables, and SSL_CERT_FILE and SSL_CERT_DIR, which Go's crypto/x509
// reads for it.
func TestEveryEnvironmentVariableIsDocumented(t *testing.T) {
	t.Parallel()
	read := map[string]bool{"SSL_CERT_FILE": true, "SSL_CERT_DIR": true, "GH_TOKEN": true, "GITHUB_TOKEN": true}
	err := filepath.WalkDir("internal", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "githubfake") || strings.Contains(path, "forgetest") || strings.Contains(path, "containertest") {
			return err
		}
		data, err := os.ReadFile(path)
		for _, m := range envRead.FindAllStringSubmatch(string(data), -1) {
			read[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, row := range tableAfter(t, readFile(t, "docs/cli.md"), "## The environment") {
		for _, m := range regexp.MustCompile("`([A-Z][A-Z0-9_]*)`").FindAllStringSubmatch(row[0], -1) {
			documented[m[1]] = true
		}
	}
	for name := range read {
		if !documented[name] {
			t.Errorf("the code reads %s, which docs/cli.md does not list", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("docs/cli.md lists %s, which nothing reads", name)
		}
	}
}

func readFile(t *testing.T, path string) string { return read(t, path) }

// The exit codes are the same three everywhere, and 2 says that preflight's refusal is one.
func TestExitCodesAgree(t *testing.T) {
	t.Parallel()
	var codes []string
	for _, row := range tableAfter(t, read(t, "README.md"), "## Exit codes") {
		codes = append(codes, row[0])
		if row[0] == "2" && (!strings.Contains(row[1], "preflight") || !strings.Contains(row[1], "Nothing was sent")) {
			t.Errorf("README's exit code 2: %q", row[1])
		}
	}
	if !slices.Equal(codes, []string{"0", "1", "2"}) {
		t.Errorf("README's exit codes %v", codes)
	}
	help := read(t, "internal/app/help/footer.txt")
	_, two, _ := strings.Cut(help, "\n  2  ")
	if !strings.Contains(help, "\n  0  ") || !strings.Contains(help, "\n  1  ") || !strings.Contains(two, "preflight") {
		t.Errorf("the help's exit codes:\n%s", help)
	}
}

// What the Marketplace shows (action.yml's name and description) speaks of both events,
// and of where the Docker action runs.
func TestTheMarketplaceTextSpeaksOfBothEvents(t *testing.T) {
	t.Parallel()
	var a struct{ Name, Description string }
	if err := yaml.Unmarshal([]byte(read(t, "action.yml")), &a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"repository_dispatch", "workflow_dispatch"} {
		if !strings.Contains(a.Name+a.Description, want) {
			t.Errorf("action.yml's name and description do not say %s", want)
		}
	}
	if !strings.Contains(a.Description, "Linux") {
		t.Errorf("action.yml's description does not say the Docker action runs on Linux runners: %q", a.Description)
	}
}

// The README fits on a few screens, and says first where @v1 runs.
func TestTheReadmeIsShort(t *testing.T) {
	t.Parallel()
	readme := read(t, "README.md")
	if n := strings.Count(readme, "\n"); n > 350 {
		t.Errorf("README.md has %d lines: at most 350; move a section to docs/", n)
	}
	first, _, _ := strings.Cut(readme, "\n## ")
	if !strings.Contains(first, "Linux runners only") || !strings.Contains(first, "portable@v1") {
		t.Errorf("the README's first screen does not say that @v1 is for Linux runners and /portable@v1 runs everywhere")
	}
}
