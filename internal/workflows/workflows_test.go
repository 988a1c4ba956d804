package workflows

import (
	"encoding/json"
	"strings"
	"testing"
)

// A workflows list entry's id is GitHub's number or Gitea's file name; anything else is
// no ID (never a path the API would be asked at).
func TestWorkflowIDs(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, id string }{
		{`{"id":161335,"name":"CI","path":".github/workflows/ci.yml","state":"active"}`, "161335"},
		{`{"id":"ci.yml","name":"CI","path":".gitea/workflows/ci.yml","state":"active"}`, "ci.yml"},
		{`{"id":"../ci.yml","name":"CI"}`, ""},
		{`{"id":"ci.sh","name":"CI"}`, ""},
		{`{"id":-1,"name":"CI"}`, ""},
		{`{"name":"CI"}`, ""},
	}
	for _, tc := range cases {
		var w Workflow
		if err := json.Unmarshal([]byte(tc.in), &w); err != nil || w.ID != tc.id || w.Name != "CI" {
			t.Errorf("%s: %+v, %v; want ID %q", tc.in, w, err, tc.id)
		}
	}
	named, exact := Named([]Workflow{{ID: "a.yml", Name: "Deploy"}, {ID: "", Name: "Deploy"}, {ID: "b.yml", Name: "deploy"}}, "Deploy")
	if len(named) != 1 || named[0].ID != "a.yml" || !exact {
		t.Errorf("named %+v, exact %v", named, exact)
	}
}

// A name found by none or by several workflows is a NameError listing the names there are.
func TestFind(t *testing.T) {
	t.Parallel()
	list := []Workflow{{ID: "1", Name: "Deploy", Path: ".github/workflows/deploy.yml"}, {ID: "2", Name: "Twin"}, {ID: "3", Name: "twin"}}
	if w, err := Find(list, "deploy"); err != nil || w.ID != "1" {
		t.Errorf("ignoring case: %+v %v", w, err)
	}
	if w, err := Find(list, "Twin"); err != nil || w.ID != "2" {
		t.Errorf("exact among several: %+v %v", w, err)
	}
	for _, name := range []string{"Nope", "TWIN"} {
		_, err := Find(list, name)
		e, ok := err.(*NameError)
		if !ok || e.Many != (name == "TWIN") || !strings.Contains(err.Error(), `"Deploy" (.github/workflows/deploy.yml)`) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Find(nil, "x"); err == nil || !strings.HasSuffix(err.Error(), "workflows: none") {
		t.Errorf("%v", err)
	}
	if w, ok := ByName(list, "TWIN"); ok {
		t.Errorf("several ignoring case, none exactly: %+v", w)
	}
}
