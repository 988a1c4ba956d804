package main

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// actionFile is the part of an action's metadata the two actions must share.
type actionFile struct {
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID  string            `yaml:"id"`
			Env map[string]string `yaml:"env"`
			Run string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T, path string) actionFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}

// The portable action declares exactly the inputs and outputs of the Docker action (same
// names, descriptions and defaults), passes every input to the binary as the INPUT_*
// variable the runner gives a Docker action, and maps every output one to one.
func TestPortableActionMatchesTheDockerAction(t *testing.T) {
	docker, portable := readAction(t, "action.yml"), readAction(t, "portable/action.yml")
	if portable.Runs.Using != "composite" {
		t.Errorf("portable runs.using = %q", portable.Runs.Using)
	}
	if got, want := slices.Sorted(maps.Keys(portable.Inputs)), slices.Sorted(maps.Keys(docker.Inputs)); !slices.Equal(got, want) {
		t.Fatalf("inputs differ:\nportable %v\ndocker   %v", got, want)
	}
	var env map[string]string
	for _, st := range portable.Runs.Steps {
		if st.ID == "dispatch" {
			env = st.Env
		}
	}
	for name, d := range docker.Inputs {
		p := portable.Inputs[name]
		if p.Description != d.Description || p.Required != d.Required || (p.Default == nil) != (d.Default == nil) ||
			(p.Default != nil && *p.Default != *d.Default) {
			t.Errorf("input %s differs: portable %+v, docker %+v", name, p, d)
		}
		// As the runner names it for a Docker action: upper case, hyphens kept.
		if v := env["INPUT_"+strings.ToUpper(name)]; v != "${{ inputs."+name+" }}" {
			t.Errorf("input %s reaches the binary as %q", name, v)
		}
	}
	if len(env) != len(docker.Inputs)+1 { // + DISPATCH_BIN
		t.Errorf("the dispatch step has %d variables, want %d", len(env), len(docker.Inputs)+1)
	}
	if got, want := slices.Sorted(maps.Keys(portable.Outputs)), slices.Sorted(maps.Keys(docker.Outputs)); !slices.Equal(got, want) {
		t.Fatalf("outputs differ:\nportable %v\ndocker   %v", got, want)
	}
	for name, d := range docker.Outputs {
		p := portable.Outputs[name]
		if p.Description != d.Description || p.Value != "${{ steps.dispatch.outputs."+name+" }}" {
			t.Errorf("output %s: description or value differs: %+v", name, p)
		}
	}
}
