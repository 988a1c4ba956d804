package githubfake

import (
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Allowance is one way GitHub's published description differs from what GitHub does (or,
// for a release with no published description, how the fake derives one). The fake checks
// requests and answers against the description with these applied and no others: this
// table is the whole of what it takes on trust beyond the description.
type Allowance struct {
	Servers   []string // the servers it applies to (nil: all)
	Operation string   // an operationId, or "*" for every operation
	Change    string   // what differs from the published description
	Reason    string   // why, with the source
	patch     func(doc *openapi3.T, s Server) error
}

func (a Allowance) covers(s Server) bool {
	return a.Servers == nil || slices.Contains(a.Servers, s.Name)
}

// Allowances is the table. docs/benchmarks.md counts its entries; docs/guide.md explains
// the Enterprise Server rows. (Set in init: a patch may read another server's loaded
// description, and loading reads the table.)
var Allowances []Allowance

func init() { Allowances = allowances }

var allowances = []Allowance{
	{Operation: "*", Change: "401 answered with a basic-error",
		Reason: "a missing, invalid, expired or revoked credential gets 401 \"Bad credentials\" or \"Requires authentication\" " +
			"on every endpoint (docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api); most operations do not list it",
		patch: errorStatus("*", "401", "Requires authentication")},
	{Operation: "*", Change: "403 answered with a basic-error",
		Reason: "a missing permission (\"Resource not accessible by …\" with X-Accepted-GitHub-Permissions), a used-up primary " +
			"rate limit (x-ratelimit-remaining: 0) and a request without User-Agent get 403 on every endpoint " +
			"(docs: rate limits for the REST API; troubleshooting); most operations do not list it",
		patch: errorStatus("*", "403", "Forbidden")},
	{Operation: "*", Change: "404 answered with a basic-error",
		Reason: "a repository that does not exist or that the token cannot see, and an unknown run, job, artifact or workflow, get " +
			"404 on every endpoint (GitHub hides private resources behind 404; troubleshooting); most operations do not list it",
		patch: errorStatus("*", "404", "Resource not found")},
	{Operation: "*", Change: "400 answered with a basic-error",
		Reason: "a body that is not JSON gets 400 \"Problems parsing JSON\" and an unsupported X-GitHub-Api-Version gets 400 " +
			"(docs: API versions); no operation lists it",
		patch: errorStatus("*", "400", "Bad request")},
	{Operation: "actions/create-workflow-dispatch", Change: "422 answered with a basic-error",
		Reason: "GitHub answers 422 to a workflow without a workflow_dispatch trigger, a ref that does not exist, inputs the workflow " +
			"does not declare, and keys it does not know (benc-uk/workflow-dispatch#86, on GHES 3.19); the operation lists no 422",
		patch: errorStatus("actions/create-workflow-dispatch", "422", "Validation failed")},
	{Operation: "repos/create-commit-status", Change: "422 answered with a basic-error",
		Reason: "GitHub answers 422 to a state it does not know, a description over 140 characters, a SHA that is no " +
			"commit's, and the 1,001st status of a commit and context (docs: create a commit status, \"limit of 1000 statuses " +
			"per sha and context\"); the operation lists no 422",
		patch: errorStatus("repos/create-commit-status", "422", "Validation failed")},
	{Operation: "*", Change: "request bodies: unknown top-level keys refused",
		Reason: "GitHub refuses a key a body schema does not name with 422 `Invalid request.\\n\\n\"KEY\" is not a permitted key.` " +
			"(seen on github.com endpoints; benc-uk/workflow-dispatch#86 for return_run_details on GHES 3.19); the schemas " +
			"leave additionalProperties open",
		patch: closeRequestBodies},
	{Operation: "*", Change: "request bodies are JSON whatever their Content-Type",
		Reason: "GitHub reads a request body as JSON whatever Content-Type it is sent with (its own curl examples send " +
			"application/x-www-form-urlencoded with -d); the description lists application/json only, so the check reads every " +
			"body as JSON"},
	{Operation: "actions/list-workflow-runs-for-repo", Change: "query created: search syntax, not date-time",
		Reason: "created takes GitHub's search syntax for dates (>=2026-01-01T00:00:00Z, A..B), as its own description says in " +
			"words (\"Understanding the search syntax\"), while its schema says format: date-time",
		patch: createdIsSearchSyntax},
	{Servers: []string{"ghes-3.20", "ghes-3.21", "ghes-3.22"}, Operation: "*", Change: "ghes-3.19's description stands in",
		Reason: "@octokit/openapi 23.0.2 publishes no description for Enterprise Server 3.20, 3.21 or 3.22; the nearest older " +
			"release's stands in, with the differences below (3.22 as 3.21: no change to these operations is known)"},
	{Servers: []string{"ghes-3.20", "ghes-3.21", "ghes-3.22"}, Operation: "actions/create-workflow-dispatch", Change: "inputs: at most 25 properties",
		Reason: "Enterprise Server 3.20 raised the limit of workflow_dispatch inputs from 10 to 25, as github.com did; the " +
			"ghes-3.17 to 3.19 descriptions say 10",
		patch: maxWorkflowInputs(25)},
	{Servers: []string{"ghes-3.21", "ghes-3.22"}, Operation: "actions/create-workflow-dispatch", Change: "return_run_details, answered 200 with the run",
		Reason: "Enterprise Server 3.21 is the first release with return_run_details (GitHub changelog 2026-02-19 for github.com); " +
			"request and 200 answer as api.github.com's description gives them",
		patch: returnRunDetails},
	{Servers: []string{"github.com", "ghes-3.21", "ghes-3.22"}, Operation: "*", Change: "API version 2026-03-10 checked against the 2022-11-28 description",
		Reason: "@octokit/openapi 23.0.2 describes 2022-11-28 only; in 2026-03-10, of these operations, only workflow_dispatch " +
			"changes (always 200 with the run, return_run_details removed: the fake refuses it as an unknown key) and the other " +
			"answers lose fields the project does not read (docs: API versions, breaking changes); Enterprise Server knows the " +
			"version from 3.21, older releases answer 400"},
}

// operations calls fn with every operation of doc that id names ("*": all).
func operations(doc *openapi3.T, id string, fn func(*openapi3.Operation) error) error {
	found := false
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if id == "*" || op.OperationID == id {
				found = true
				if err := fn(op); err != nil {
					return err
				}
			}
		}
	}
	if !found {
		return fmt.Errorf("no operation %q", id)
	}
	return nil
}

// errorStatus adds an error answer with a basic-error body to the operations that do not
// list that status.
func errorStatus(id, status, text string) func(*openapi3.T, Server) error {
	return func(doc *openapi3.T, _ Server) error {
		basic := doc.Components.Schemas["basic-error"]
		if basic == nil {
			return fmt.Errorf("no basic-error schema")
		}
		return operations(doc, id, func(op *openapi3.Operation) error {
			if op.Responses.Value(status) == nil {
				op.Responses.Set(status, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(text).
					WithContent(openapi3.NewContentWithJSONSchemaRef(basic))})
			}
			return nil
		})
	}
}

// closeRequestBodies makes every JSON request body refuse properties it does not name.
func closeRequestBodies(doc *openapi3.T, _ Server) error {
	closed := false
	return operations(doc, "*", func(op *openapi3.Operation) error {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return nil
		}
		for _, mt := range op.RequestBody.Value.Content {
			if s := mt.Schema; s != nil && s.Value != nil && s.Value.Type.Is("object") && len(s.Value.Properties) > 0 {
				s.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: &closed}
			}
		}
		return nil
	})
}

// createdIsSearchSyntax drops the date-time format of the run listings' created filter
// (a parameter both listings share).
func createdIsSearchSyntax(doc *openapi3.T, _ Server) error {
	return operations(doc, "actions/list-workflow-runs-for-repo", func(op *openapi3.Operation) error {
		p := op.Parameters.GetByInAndName("query", "created")
		if p == nil || p.Schema == nil || p.Schema.Value == nil {
			return fmt.Errorf("no created parameter")
		}
		p.Schema = openapi3.NewStringSchema().NewRef()
		return nil
	})
}

// dispatchBody is the request body schema of workflow_dispatch.
func dispatchBody(doc *openapi3.T) (*openapi3.Schema, error) {
	var body *openapi3.Schema
	err := operations(doc, "actions/create-workflow-dispatch", func(op *openapi3.Operation) error {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			body = mt.Schema.Value
		}
		return nil
	})
	if err == nil && (body == nil || body.Properties["inputs"] == nil) {
		err = fmt.Errorf("workflow_dispatch has no inputs in its body")
	}
	return body, err
}

func maxWorkflowInputs(n uint64) func(*openapi3.T, Server) error {
	return func(doc *openapi3.T, _ Server) error {
		body, err := dispatchBody(doc)
		if err == nil {
			body.Properties["inputs"].Value.MaxProps = &n
		}
		return err
	}
}

// returnRunDetails gives workflow_dispatch api.github.com's return_run_details and its
// 200 answer (shared with github.com's loaded description, which nothing changes after
// loading).
func returnRunDetails(doc *openapi3.T, _ Server) error {
	d, err := GitHubCom.description()
	if err != nil {
		return err
	}
	dotcom := d.doc
	from, err := dispatchBody(dotcom)
	if err != nil {
		return err
	}
	body, err := dispatchBody(doc)
	if err != nil {
		return err
	}
	body.Properties["return_run_details"] = from.Properties["return_run_details"]
	var ok *openapi3.ResponseRef
	_ = operations(dotcom, "actions/create-workflow-dispatch", func(op *openapi3.Operation) error {
		ok = op.Responses.Value("200")
		return nil
	})
	if ok == nil {
		return fmt.Errorf("api.github.com's workflow_dispatch has no 200")
	}
	return operations(doc, "actions/create-workflow-dispatch", func(op *openapi3.Operation) error {
		op.Responses.Set("200", ok)
		return nil
	})
}
