// Command openapi-subset cuts the operations the project calls out of GitHub's published
// REST API descriptions (the npm package @octokit/openapi, generated/*.json), with every
// component they refer to, so that the fake can check requests and answers against them
// without the 11-13 MB originals. scripts/openapi-subset.sh fetches the pinned package and
// runs it; the output is committed under internal/githubfake/testdata/openapi.
//
//	go run ./internal/githubfake/cmd/openapi-subset -from DIR/generated -to internal/githubfake/testdata/openapi
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func main() {
	from := flag.String("from", "", "the package's generated/ directory")
	to := flag.String("to", "", "where to write the subsets")
	flag.Parse()
	if *from == "" || *to == "" {
		fmt.Fprintln(os.Stderr, "usage: openapi-subset -from DIR -to DIR")
		os.Exit(2)
	}
	for _, name := range githubfake.DescriptionFiles {
		if err := cut(filepath.Join(*from, name), filepath.Join(*to, name)); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

// cut writes the subset of one description.
func cut(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	sub, err := subset(doc, githubfake.Operations)
	if err != nil {
		return err
	}
	components := sub["components"].(map[string]map[string]any)
	examples := components["examples"]
	delete(components, "examples")
	if err := write(out, sub); err != nil {
		return err
	}
	return write(strings.TrimSuffix(out, ".json")+".examples.json", examples)
}

func write(name string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// prose are the keys lean drops: GitHub's documentation text, per-property example values
// and the media types' references to named examples, which take no part in validation
// and are most of what every test binary would parse. (The named examples themselves go
// to a file of their own: the fake builds its answers from them.)
var prose = map[string]bool{"description": true, "summary": true, "example": true, "examples": true, "externalDocs": true, "tags": true, "x-github": true}

// lean drops prose from v, except where a key is a property's name (a repository has a
// property called description).
func lean(v any, parent string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, child := range x {
			if prose[k] && parent != "properties" {
				continue
			}
			out[k] = lean(child, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, child := range x {
			out[i] = lean(child, "")
		}
		return out
	}
	return v
}

// subset keeps the operations named (every one must exist) and the components they refer
// to, directly or through other components.
func subset(doc map[string]any, operations []string) (map[string]any, error) {
	want := map[string]bool{}
	for _, id := range operations {
		want[id] = true
	}
	paths := map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		kept := map[string]any{}
		for method, op := range item.(map[string]any) {
			o, ok := op.(map[string]any)
			if id, _ := o["operationId"].(string); ok && want[id] {
				kept[method] = o
				delete(want, id)
			}
		}
		if len(kept) > 0 {
			if params, ok := item.(map[string]any)["parameters"]; ok {
				kept["parameters"] = params
			}
			paths[path] = kept
		}
	}
	if len(want) > 0 {
		var missing []string
		for id := range want {
			missing = append(missing, id)
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("operations not in the description: %s", strings.Join(missing, ", "))
	}
	components := doc["components"].(map[string]any)
	kept := map[string]map[string]any{}
	var visit func(v any) error
	visit = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if len(parts) != 2 || !strings.HasPrefix(ref, "#/components/") {
					return fmt.Errorf("unexpected $ref %q", ref)
				}
				kind, name := parts[0], parts[1]
				if kept[kind] == nil {
					kept[kind] = map[string]any{}
				}
				if _, done := kept[kind][name]; done {
					return nil
				}
				target, ok := components[kind].(map[string]any)[name]
				if !ok {
					return fmt.Errorf("dangling $ref %q", ref)
				}
				kept[kind][name] = target
				return visit(target)
			}
			for _, child := range x {
				if err := visit(child); err != nil {
					return err
				}
			}
		case []any:
			for _, child := range x {
				if err := visit(child); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(paths); err != nil {
		return nil, err
	}
	paths = lean(paths, "").(map[string]any)
	for kind, named := range kept {
		for name, v := range named {
			if kind != "examples" {
				named[name] = lean(v, "")
			}
		}
	}
	info := doc["info"].(map[string]any)
	info["description"] = "A subset of GitHub's REST API description (@octokit/openapi " + fmt.Sprint(info["version"]) +
		"): the operations dispatch-action calls and the components they refer to, without prose and per-property " +
		"examples. See README.md beside this file."
	return map[string]any{
		"openapi":    doc["openapi"],
		"info":       info,
		"servers":    doc["servers"],
		"paths":      paths,
		"components": kept,
	}, nil
}
