package main

import (
	"cmp"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A section of docs/migrating.md: one action (or two used together), what each of its
// inputs and outputs is here, and its workflows before and after.
type migration struct {
	actions  []string          // "peter-evans/repository-dispatch"
	inputs   map[string]string // its input → the right-hand column
	outputs  map[string]string
	examples []string // the linked before and after files
}

var (
	heading  = regexp.MustCompile("^## `([^`]+)`(?: and `([^`]+)`)?$")
	tableRow = regexp.MustCompile("^\\| (?:`([^`]+)`|\\(none\\)) \\| ([^|]*) \\|") // "(none)": the action has no output
	linked   = regexp.MustCompile(`\(\.\./(examples/migrating/[^)]+\.yml)\)`)
	ticked   = regexp.MustCompile("`([^`]+)`")
)

func readMigrations(t *testing.T) []migration {
	t.Helper()
	data, err := os.ReadFile("docs/migrating.md")
	if err != nil {
		t.Fatal(err)
	}
	var list []migration
	var table map[string]string
	for _, line := range strings.Split(string(data), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			list = append(list, migration{actions: slices.DeleteFunc(m[1:], func(s string) bool { return s == "" }),
				inputs: map[string]string{}, outputs: map[string]string{}})
			continue
		}
		if strings.HasPrefix(line, "## ") { // another section: no action's tables
			table = nil
			continue
		}
		if len(list) == 0 {
			continue
		}
		cur := &list[len(list)-1]
		switch {
		case strings.HasPrefix(line, "| Its input "):
			table = cur.inputs
		case strings.HasPrefix(line, "| Its output "):
			table = cur.outputs
		case tableRow.MatchString(line) && table != nil:
			m := tableRow.FindStringSubmatch(line)
			table[cmp.Or(m[1], "(none)")] = m[2]
		}
		for _, m := range linked.FindAllStringSubmatch(line, -1) {
			if !slices.Contains(cur.examples, m[1]) {
				cur.examples = append(cur.examples, m[1])
			}
		}
	}
	return list
}

// workflow is the part of a workflow the check reads: each step's action and its with:.
type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestMigrationGuide holds docs/migrating.md and examples/migrating/ to each other and to
// action.yml: the six actions are there, each with a before and an after workflow; every
// input a before-workflow gives its action is a row of that action's table; every name
// the right-hand column gives is an input (or output) of this action; an after-workflow
// uses this action only, with its inputs only.
func TestMigrationGuide(t *testing.T) {
	ours := readAction(t, "action.yml")
	list := readMigrations(t)
	if len(list) != 6 {
		t.Fatalf("%d actions in docs/migrating.md, want 6", len(list))
	}
	files, _ := filepath.Glob("examples/migrating/*.yml")
	var linkedFiles []string
	for _, m := range list {
		if len(m.inputs) == 0 || len(m.outputs) == 0 || len(m.examples) != 2 {
			t.Errorf("%v: %d inputs, %d outputs, examples %v", m.actions, len(m.inputs), len(m.outputs), m.examples)
			continue
		}
		for table, names := range map[string]map[string]string{"input": m.inputs, "output": m.outputs} {
			for theirs, here := range names {
				for _, tick := range ticked.FindAllStringSubmatch(here, -1) {
					_, isInput := ours.Inputs[tick[1]]
					_, isOutput := ours.Outputs[tick[1]]
					if !isInput && !isOutput {
						t.Errorf("%v %s %q maps to %q, which is neither an input nor an output here", m.actions, table, theirs, tick[1])
					}
				}
			}
		}
		linkedFiles = append(linkedFiles, m.examples...)
		checkBefore(t, m)
		checkAfter(t, m.examples[1], ours)
	}
	slices.Sort(linkedFiles)
	if !slices.Equal(linkedFiles, files) {
		t.Errorf("examples/migrating holds %v, the guide links %v", files, linkedFiles)
	}
}

func readWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

// checkBefore: the before-workflow uses the action(s) of the section, with inputs the
// section lists.
func checkBefore(t *testing.T, m migration) {
	path := m.examples[0]
	if !strings.HasSuffix(path, ".before.yml") {
		t.Errorf("%v: the first example is %s, want the before-workflow", m.actions, path)
		return
	}
	used := 0
	for _, job := range readWorkflow(t, path).Jobs {
		for _, st := range job.Steps {
			action, _, _ := strings.Cut(st.Uses, "@")
			if !slices.ContainsFunc(m.actions, func(a string) bool { return strings.EqualFold(a, action) }) {
				continue
			}
			used++
			for input := range st.With {
				if _, ok := m.inputs[input]; !ok {
					t.Errorf("%s gives %s the input %q, which docs/migrating.md does not map", path, action, input)
				}
			}
		}
	}
	if used < len(m.actions) {
		t.Errorf("%s uses %d steps of %v", path, used, m.actions)
	}
}

// checkAfter: the after-workflow uses this action, with its inputs only, and none of the
// actions it replaces.
func checkAfter(t *testing.T, path string, ours actionFile) {
	if !strings.HasSuffix(path, ".after.yml") {
		t.Errorf("the second example is %s, want the after-workflow", path)
		return
	}
	used := 0
	for _, job := range readWorkflow(t, path).Jobs {
		for _, st := range job.Steps {
			switch action, _, _ := strings.Cut(st.Uses, "@"); {
			case action == "MrSunshyne/dispatch-action":
				used++
				for input := range st.With {
					if _, ok := ours.Inputs[input]; !ok {
						t.Errorf("%s gives this action the input %q, which action.yml does not declare", path, input)
					}
				}
			case action != "":
				t.Errorf("%s still uses %s", path, st.Uses)
			}
		}
	}
	if used == 0 {
		t.Errorf("%s does not use this action", path)
	}
}

// TestExamplesGiveDeclaredInputs: every workflow in examples/ and .github/workflows gives
// this action (or the portable one) only inputs action.yml declares.
func TestExamplesGiveDeclaredInputs(t *testing.T) {
	ours := readAction(t, "action.yml")
	var files []string
	for _, pattern := range []string{"examples/*.yml", "examples/migrating/*.after.yml", ".github/workflows/*.yml", ".ci/act/*.yml"} {
		found, _ := filepath.Glob(pattern)
		files = append(files, found...)
	}
	checked := 0
	for _, path := range files {
		for _, job := range readWorkflow(t, path).Jobs {
			for _, st := range job.Steps {
				action, _, _ := strings.Cut(st.Uses, "@")
				if action != "MrSunshyne/dispatch-action" && action != "MrSunshyne/dispatch-action/portable" && action != "./" && action != "./portable" {
					continue
				}
				checked++
				for input := range st.With {
					if _, ok := ours.Inputs[input]; !ok {
						t.Errorf("%s gives %s the input %q, which action.yml does not declare", path, st.Uses, input)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d steps use the action in %d files", checked, len(files))
	}
}
