package main

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The arrows of docs/architecture.md: what each package may import of the project.
// A new arrow is a design change: update the document and this table together.
var allowedImports = map[string][]string{
	"event":         {},
	"version":       {},
	"untrusted":     {},
	"pool":          {},
	"actionio":      {},
	"githubfake":    {},
	"config":        {"event"},
	"ghclient":      {"untrusted", "version"},
	"ghapp":         {"config", "event", "ghclient"},
	"workflows":     {"event", "ghclient", "untrusted"},
	"dispatch":      {"event", "ghclient", "workflows"},
	"runs":          {"event", "ghclient", "untrusted", "workflows"},
	"outcome":       {"dispatch", "event", "runs"},
	"commitstatus":  {"event", "ghclient", "outcome", "runs", "untrusted"},
	"report":        {"actionio", "dispatch", "event", "ghclient", "outcome", "runs", "untrusted"},
	"preflight":     {"event", "ghclient", "pool", "untrusted", "workflows"},
	"pipeline":      {"commitstatus", "config", "dispatch", "event", "ghapp", "ghclient", "outcome", "pool", "preflight", "runs"},
	"words":         {"commitstatus", "config", "dispatch", "event", "ghapp", "ghclient", "outcome", "pipeline", "preflight", "runs", "untrusted", "workflows"},
	"app":           {"actionio", "config", "event", "ghclient", "outcome", "pipeline", "report", "runs", "untrusted", "version", "words"},
	"containertest": {},
	"forgetest":     {},
}

// Every package of the table has its paragraph in docs/architecture.md.
func TestEveryPackageIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range allowedImports {
		if !strings.Contains(string(doc), "**"+name+"**") {
			t.Errorf("docs/architecture.md has no paragraph on **%s**", name)
		}
	}
}

func TestPackagesImportOnlyDownward(t *testing.T) {
	const prefix = "github.com/MrSunshyne/dispatch-action/internal/"
	dirs, err := os.ReadDir("internal")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		allowed, known := allowedImports[d.Name()]
		if !known {
			t.Errorf("internal/%s is not in the architecture table", d.Name())
			continue
		}
		pkg, err := build.ImportDir(filepath.Join("internal", d.Name()), 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, imp := range pkg.Imports { // production files only, not tests
			if name, ok := strings.CutPrefix(imp, prefix); ok {
				got = append(got, name)
			}
		}
		sort.Strings(got)
		for _, name := range got {
			if !slices.Contains(allowed, name) {
				t.Errorf("internal/%s imports internal/%s, which docs/architecture.md does not allow", d.Name(), name)
			}
		}
		for _, name := range allowed { // an arrow the code no longer draws is a false document
			if !slices.Contains(got, name) {
				t.Errorf("internal/%s no longer imports internal/%s: take the arrow out of docs/architecture.md and this table", d.Name(), name)
			}
		}
	}
}
