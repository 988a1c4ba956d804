package workflows

import (
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// on: in its three forms, as GitHub reads them.
func TestParseTheThreeForms(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		src          string
		rd, wd       bool
		types        []string
		listensBuild bool
	}{
		"a name":                 {"on: repository_dispatch\n", true, false, nil, true},
		"a list":                 {"on: [push, workflow_dispatch, repository_dispatch]\n", true, true, nil, true},
		"quoted on":              {"\"on\":\n  repository_dispatch:\n    types: build\n", true, false, []string{"build"}, true},
		"types listed":           {"on:\n  repository_dispatch:\n    types: [deploy, test]\n", true, false, []string{"deploy", "test"}, false},
		"types empty":            {"on:\n  repository_dispatch:\n    types: []\n", true, false, []string{}, false},
		"no repository_dispatch": {"on:\n  push:\n  workflow_dispatch:\n", false, true, nil, false},
		"types by anchor":        {"x: &t [build]\non:\n  repository_dispatch:\n    types: *t\n", true, false, []string{"build"}, true},
	} {
		trig, err := Parse([]byte(tc.src))
		if err != nil || trig.RepositoryDispatch != tc.rd || trig.WorkflowDispatch != tc.wd || !slices.Equal(trig.Types, tc.types) ||
			trig.Listens("build") != tc.listensBuild {
			t.Errorf("%s: %+v %v", name, trig, err)
		}
	}
}

func TestParseInputs(t *testing.T) {
	t.Parallel()
	src := `on:
  workflow_dispatch:
    inputs:
      env:
        type: choice
        required: True
        options: [staging, prod]
      dry:
        type: boolean
        default: false
      note:
`
	trig, err := Parse([]byte(src))
	if err != nil || len(trig.Inputs) != 3 {
		t.Fatalf("%+v %v", trig, err)
	}
	env, _ := trig.Input("env")
	dry, _ := trig.Input("dry")
	note, _ := trig.Input("note")
	if env.Type != "choice" || !env.Required || !slices.Equal(env.Options, []string{"staging", "prod"}) || dry.Type != "boolean" || !dry.HasDef ||
		dry.Default != "false" || note.Type != "string" || note.Required {
		t.Errorf("%+v %+v %+v", env, dry, note)
	}
}

// What the check cannot read with confidence is ErrUnread, never a panic or a long walk.
func TestParseWhatCannotBeRead(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"on:\n  workflow_dispatch:\n    inputs: {x: {options: *c}}\n"
	for name, src := range map[string]string{
		"not YAML":     "on: [unclosed\n",
		"no on:":       "jobs: {}\n",
		"a list":       "- on\n",
		"alias bomb":   bomb,
		"huge on:":     "on:\n" + strings.Repeat("  push:\n", maxNodes+10),
		"over 1 MiB":   "on: push\n#" + strings.Repeat("x", MaxFileBytes),
		"on: a number": "on: {repository_dispatch: {types: {a: b}}}\n",
	} {
		if _, err := Parse([]byte(src)); !errors.Is(err, ErrUnread) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzParse: any file is read or refused as unreadable, within the node budget.
func FuzzParse(f *testing.F) {
	f.Add("on: repository_dispatch\n")
	f.Add("on:\n  workflow_dispatch:\n    inputs:\n      a: {type: choice, options: [x, y]}\n")
	f.Add("a: &a [x]\non: {repository_dispatch: {types: *a}}\n")
	f.Fuzz(func(t *testing.T, src string) {
		trig, err := Parse([]byte(src))
		if err != nil && !errors.Is(err, ErrUnread) {
			t.Fatalf("%q: %v", src, err)
		}
		if err == nil && len(trig.Inputs) > maxNodes {
			t.Fatalf("%d inputs", len(trig.Inputs))
		}
	})
}

// bigEnv is a workflow file of just under size bytes whose bulk is a flow mapping under
// env: (what made preflight decode a YAML tree of a million nodes per file).
func bigEnv(on string, size int) string {
	head := on + "\nenv: {L: {"
	n := (size - len(head) - 4) / 3
	return head + strings.Repeat("a, ", n) + "}}\n"
}

// Only the on: block is parsed: a file of just under 1 MiB whose bulk lies elsewhere
// costs little memory, and its triggers are read; an on: block too large to be real is
// "cannot be read", never decoded.
func TestParseReadsOnlyTheOnBlock(t *testing.T) {
	src := []byte(bigEnv("on:\n  repository_dispatch:\n    types: [deploy]", MaxFileBytes-1))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	trig, err := Parse(src)
	runtime.ReadMemStats(&after)
	if err != nil || !trig.Listens("deploy") {
		t.Fatalf("%+v %v", trig, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("parsing allocated %d bytes for a file of %d: more than 4 MiB", alloc, len(src))
	}
	huge := "on:\n  workflow_dispatch:\n    inputs:\n      x:\n        type: choice\n        options: [" + strings.Repeat("a, ", 30000) + "]\n"
	if _, err := Parse([]byte(huge)); !errors.Is(err, ErrUnread) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("%v", err)
	}
	anchored := "x: &t {L: [" + strings.Repeat("a, ", 30000) + "]}\non: {repository_dispatch: {types: *t}}\n"
	if _, err := Parse([]byte(anchored)); !errors.Is(err, ErrUnread) {
		t.Errorf("an anchor of a huge block used under on: %v", err)
	}
}

// What a workflow's jobs declare of continue-on-error: true and expressions are lenient.
func TestJobs(t *testing.T) {
	t.Parallel()
	src := "on: push\njobs:\n  build:\n    runs-on: x\n  flaky:\n    name: Flaky tests\n    continue-on-error: true\n" +
		"  matrix:\n    continue-on-error: ${{ matrix.experimental }}\n  strict:\n    continue-on-error: false\n"
	jobs, err := Jobs([]byte(src))
	if err != nil || len(jobs) != 4 {
		t.Fatalf("%+v %v", jobs, err)
	}
	for i, want := range []bool{false, true, true, false} {
		if jobs[i].Lenient() != want {
			t.Errorf("%+v lenient %v", jobs[i], jobs[i].Lenient())
		}
	}
	if jobs[1].Name != "Flaky tests" || jobs[0].Key != "build" {
		t.Errorf("%+v", jobs)
	}
	if _, err := Jobs([]byte("on: push\n")); !errors.Is(err, ErrUnread) {
		t.Errorf("%v", err)
	}
}
