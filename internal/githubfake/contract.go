package githubfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The contract: every request the fake receives and every answer it writes is checked
// against GitHub's published description of the server it plays (testdata/openapi, a
// subset of @octokit/openapi cut by cmd/openapi-subset), with the differences between
// that description and GitHub's observed behaviour applied (Allowances, the one table of
// them). A request that breaks the description but was not refused with a 4xx, and an
// answer that breaks it, is a violation: it fails the test that caused it.

// Operations are the operations of GitHub's REST API that the project calls (and the fake
// serves), by operationId: the subset of the published description the fake checks
// requests and answers against.
var Operations = []string{
	"repos/get",
	"repos/create-dispatch-event",
	"actions/create-workflow-dispatch",
	"actions/list-repo-workflows",
	"actions/list-workflow-runs-for-repo",
	"actions/list-workflow-runs",
	"actions/get-workflow-run",
	"actions/cancel-workflow-run",
	"actions/list-jobs-for-workflow-run",
	"actions/download-job-logs-for-workflow-run",
	"checks/list-annotations",
	"actions/list-workflow-run-artifacts",
	"actions/download-artifact",
	"apps/get-repo-installation",
	"apps/create-installation-access-token",
	"apps/revoke-installation-access-token",
	"repos/create-commit-status",
	"actions/get-pending-deployments-for-run",
	"repos/get-content",
}

// DescriptionFiles are the published descriptions the subset is cut from, as named in
// @octokit/openapi's generated/ directory.
var DescriptionFiles = []string{"api.github.com.json", "ghes-3.17.json", "ghes-3.18.json", "ghes-3.19.json"}

//go:embed testdata/openapi/*.json
var published embed.FS

// Server is the GitHub the fake plays: github.com, or an Enterprise Server release.
type Server struct {
	Name string // "github.com", "ghes-3.19"
	// Release is the version an Enterprise Server names on every answer
	// (X-GitHub-Enterprise-Version); "" for github.com.
	Release string
}

// The servers the fake plays.
var (
	GitHubCom = Server{Name: "github.com"}
	GHES317   = Server{Name: "ghes-3.17", Release: "3.17.0"}
	GHES318   = Server{Name: "ghes-3.18", Release: "3.18.0"}
	GHES319   = Server{Name: "ghes-3.19", Release: "3.19.0"}
	GHES320   = Server{Name: "ghes-3.20", Release: "3.20.0"}
	GHES321   = Server{Name: "ghes-3.21", Release: "3.21.0"}
	GHES322   = Server{Name: "ghes-3.22", Release: "3.22.0"}
	// Servers lists them all, oldest Enterprise Server last.
	Servers = []Server{GitHubCom, GHES322, GHES321, GHES320, GHES319, GHES318, GHES317}
)

// ServerNamed returns the server of that name ("github.com", "ghes-3.19").
func ServerNamed(name string) (Server, bool) {
	for _, s := range Servers {
		if s.Name == name {
			return s, true
		}
	}
	return Server{}, false
}

// Enterprise reports whether the server is an Enterprise Server.
func (s Server) Enterprise() bool { return s.Release != "" }

// minor is the Enterprise Server's 3.x minor version; github.com is newer than any.
func (s Server) minor() int {
	if !s.Enterprise() {
		return 1 << 30
	}
	_, rest, _ := strings.Cut(s.Release, ".")
	m, _ := strconv.Atoi(strings.Split(rest, ".")[0])
	return m
}

// APIVersions are the X-GitHub-Api-Version values the server knows: 2026-03-10 too on
// github.com and Enterprise Server 3.21 and later; anything else is answered 400.
func (s Server) APIVersions() []string {
	if s.minor() >= 21 {
		return []string{APIVersion2022, APIVersion2026}
	}
	return []string{APIVersion2022}
}

// ReturnsRunDetails reports whether workflow_dispatch knows return_run_details: github.com
// and Enterprise Server 3.21 and later. Older releases refuse the key with 422.
func (s Server) ReturnsRunDetails() bool { return s.minor() >= 21 }

// MaxWorkflowInputs is how many inputs workflow_dispatch takes: 10 before Enterprise
// Server 3.20 (the ghes-3.17 to 3.19 descriptions), 25 since and on github.com.
func (s Server) MaxWorkflowInputs() int {
	if s.minor() < 20 {
		return 10
	}
	return 25
}

// description is one server's description with the allowances applied, and the path
// templates to find an operation by.
type description struct {
	server   string // the name of the server it describes
	doc      *openapi3.T
	routes   []pathRoute
	examples map[string]any // the description's named examples, decoded
}

type pathRoute struct {
	template string
	segments []string
	item     *openapi3.PathItem
}

var loaded sync.Map // Server.Name → *loadOnce

type loadOnce struct {
	once sync.Once
	d    *description
	err  error
}

// description loads the server's description once per process.
func (s Server) description() (*description, error) {
	v, _ := loaded.LoadOrStore(s.Name, &loadOnce{})
	l := v.(*loadOnce)
	l.once.Do(func() { l.d, l.err = load(s) })
	return l.d, l.err
}

// publishedFile is the description a server is checked against: its own, or for a
// release with none published, the nearest older one (the allowances say what differs).
func publishedFile(s Server) string {
	switch {
	case !s.Enterprise():
		return "api.github.com.json"
	case s.minor() > 19:
		return "ghes-3.19.json"
	}
	return "ghes-3." + strconv.Itoa(s.minor()) + ".json"
}

func load(s Server) (*description, error) {
	doc, err := base(s)
	if err != nil {
		return nil, err
	}
	for _, a := range Allowances {
		if a.covers(s) && a.patch != nil && (doc.forked == nil || !a.covers(*doc.forked)) {
			if err := a.patch(doc.T, s); err != nil {
				return nil, fmt.Errorf("allowance %q on %s: %w", a.Change, s.Name, err)
			}
		}
	}
	d := &description{server: s.Name, doc: doc.T}
	if d.examples, err = loadExamples(s); err != nil {
		return nil, err
	}
	for template, item := range doc.Paths.Map() {
		d.routes = append(d.routes, pathRoute{template: template, segments: strings.Split(strings.Trim(template, "/"), "/"), item: item})
	}
	// The most literal segments first: /actions/runs/{id}/jobs before /actions/{a}/{b}/{c}.
	sort.Slice(d.routes, func(i, j int) bool {
		li, lj := literals(d.routes[i].segments), literals(d.routes[j].segments)
		if li != lj {
			return li > lj
		}
		return d.routes[i].template < d.routes[j].template
	})
	return d, nil
}

// baseDoc is the document a server's description starts from: its published file, parsed,
// or for a release with none, a fork of the nearest older release's description (already
// patched with the allowances that cover that release), in which workflow_dispatch is its
// own to patch.
type baseDoc struct {
	*openapi3.T
	forked *Server // the release it was forked from, if it was
}

func base(s Server) (baseDoc, error) {
	if publishedFile(s) == publishedFile(GHES319) && s != GHES319 {
		from, err := GHES319.description()
		if err != nil {
			return baseDoc{}, err
		}
		doc, err := forkDispatch(from.doc)
		return baseDoc{T: doc, forked: &GHES319}, err
	}
	doc, err := loadFile(publishedFile(s))
	return baseDoc{T: doc}, err
}

// forkDispatch is a copy of doc that shares everything but the workflow_dispatch
// operation's request body, inputs schema and answers: what the allowances of a release
// without a published description change. Parsing the file again
// would cost a test binary a third of a second under -race.
func forkDispatch(from *openapi3.T) (*openapi3.T, error) {
	doc := *from
	doc.Paths = openapi3.NewPaths()
	for path, item := range from.Paths.Map() {
		if item.Post != nil && item.Post.OperationID == "actions/create-workflow-dispatch" {
			it, op := *item, *item.Post
			body := *op.RequestBody.Value
			media := *body.Content.Get("application/json")
			schema := *media.Schema.Value
			schema.Properties = maps.Clone(schema.Properties)
			inputs := *schema.Properties["inputs"].Value
			schema.Properties["inputs"] = &openapi3.SchemaRef{Value: &inputs}
			media.Schema = &openapi3.SchemaRef{Value: &schema}
			body.Content = openapi3.Content{"application/json": &media}
			op.RequestBody = &openapi3.RequestBodyRef{Value: &body}
			op.Responses = openapi3.NewResponses()
			for status, r := range item.Post.Responses.Map() {
				op.Responses.Set(status, r)
			}
			it.Post = &op
			item = &it
		}
		doc.Paths.Set(path, item)
	}
	return &doc, nil
}

// loadExamples reads the named examples of the server's description, each {"value": …},
// and those its allowances add.
func loadExamples(s Server) (map[string]any, error) {
	names := []string{publishedFile(s)}
	if s.ReturnsRunDetails() && s.Enterprise() {
		names = append(names, publishedFile(GitHubCom)) // the run details answer (see the allowance)
	}
	examples := map[string]any{}
	for _, name := range names {
		data, err := published.ReadFile("testdata/openapi/" + strings.TrimSuffix(name, ".json") + ".examples.json")
		if err != nil {
			return nil, err
		}
		var named map[string]struct {
			Value any `json:"value"`
		}
		if err := json.Unmarshal(data, &named); err != nil {
			return nil, fmt.Errorf("examples of %s: %w", name, err)
		}
		for k, v := range named {
			if _, ok := examples[k]; !ok {
				examples[k] = v.Value
			}
		}
	}
	return examples, nil
}

func loadFile(name string) (*openapi3.T, error) {
	data, err := published.ReadFile("testdata/openapi/" + name)
	if err != nil {
		return nil, err
	}
	// Decoded as JSON: kin-openapi's LoadFromData reads it through a YAML parser first,
	// several times slower.
	doc := &openapi3.T{}
	if err := json.Unmarshal(data, doc); err != nil {
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	return doc, nil
}

func literals(segs []string) int {
	n := 0
	for _, s := range segs {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

// route finds the operation for a method and a path below the API root, and its path
// parameters.
func (d *description) route(method, path string) (*routers.Route, map[string]string) {
	all := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range d.routes {
		segs, n := all, len(r.segments)
		if r.segments[n-1] == "{path}" && len(all) > n { // a file's path: its slashes are GitHub's (repos/get-content)
			segs = append(append([]string(nil), all[:n-1]...), strings.Join(all[n-1:], "/"))
		}
		if n != len(segs) {
			continue
		}
		op := r.item.GetOperation(strings.ToUpper(method))
		if op == nil {
			continue
		}
		params, ok := map[string]string{}, true
		for i, s := range r.segments {
			value, err := url.PathUnescape(segs[i])
			switch {
			case err != nil || value == "":
				ok = false
			case strings.HasPrefix(s, "{"):
				params[strings.Trim(s, "{}")] = value
			case s != value:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return &routers.Route{Spec: d.doc, Path: r.template, PathItem: r.item, Method: strings.ToUpper(method), Operation: op}, params
		}
	}
	return nil, nil
}

// exchange is one request the fake answered, as the contract check sees it.
type exchange struct {
	method, path, query string // path below the API root
	header              http.Header
	body                []byte
	status              int
	answerHeader        http.Header
	answer              []byte
	fullAnswer          bool // the answer was captured whole and is the fake's own (not a fault)
}

// answered reports whether the exchange's answer is checked: the fake's own, whole (a 304
// has no body to check; a scripted fault or a hostile answer is not GitHub's, and only
// its request is checked).
func (x exchange) answered() bool { return x.fullAnswer && x.status != http.StatusNotModified }

// digest identifies what a check depends on.
func digest(parts ...string) [32]byte {
	h := sha256.New()
	for _, part := range parts {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// valid remembers requests and answers found valid, so that the same answer polled
// again, or given to another client, is not checked again.
var valid sync.Map

// worker runs one check at a time in a process, leaving the other core to the tests.
var worker = make(chan struct{}, 1)

// check returns how the exchange breaks the server's description, if it does.
func (d *description) check(x exchange) []string {
	worker <- struct{}{}
	defer func() { <-worker }()
	answered := x.answered()
	route, params := d.route(x.method, x.path)
	if route == nil {
		if x.status < 300 {
			return []string{fmt.Sprintf("%s %s: answered %d, but the description has no such operation", x.method, x.path, x.status)}
		}
		return nil // GitHub answers 404 (or 405) to what it does not serve, too
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
		SkipSettingDefaults: true, IncludeResponseStatus: true}
	req, _ := http.NewRequest(x.method, (&url.URL{Path: x.path, RawQuery: x.query}).String(), bytes.NewReader(x.body))
	req.Header = x.header.Clone()
	if len(x.body) > 0 {
		req.Header.Set("Content-Type", "application/json") // see the allowance "any Content-Type"
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	var problems []string
	// A request GitHub would refuse must be refused: the fake may say why in its own words
	// (any 4xx), but may not accept it.
	accepted := x.status < 400 || x.status >= 500
	reqKey := digest("request", d.server, x.method, x.path, x.query, string(x.body))
	if _, ok := valid.Load(reqKey); !ok {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err == nil {
			valid.Store(reqKey, true)
		} else if accepted {
			problems = append(problems, fmt.Sprintf("%s %s (%s): the request breaks the description, yet the fake answered %d: %s",
				x.method, x.path, route.Operation.OperationID, x.status, brief(err)))
		}
	}
	ansKey := digest("answer", d.server, x.method, route.Path, strconv.Itoa(x.status), x.answerHeader.Get("Content-Type"),
		x.answerHeader.Get("Location"), string(x.answer))
	if _, ok := valid.Load(ansKey); answered && !ok {
		err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: x.status, Header: x.answerHeader, Body: io.NopCloser(bytes.NewReader(x.answer)), Options: opts})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %s (%s): the answer %d breaks the description: %s",
				x.method, x.path, route.Operation.OperationID, x.status, brief(err)))
		} else {
			valid.Store(ansKey, true)
		}
	}
	return problems
}

// brief is a validation error without the schemas kin-openapi prints after each reason.
func brief(err error) string {
	var lines []string
	var multi openapi3.MultiError
	errs := []error{err}
	if errors.As(err, &multi) {
		errs = multi
	}
	for _, e := range errs {
		first, _, _ := strings.Cut(e.Error(), "\n")
		lines = append(lines, first)
	}
	return strings.Join(lines, "; ")
}
