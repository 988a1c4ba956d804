package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// GitHub's rules for owner and repository names.
const (
	maxOwnerLength        = 39
	maxRepositoryNameSize = 100
)

// ParseRepository accepts "owner/name", "https://HOST/owner/name" (with an optional
// ".git" suffix or trailing slash) and "HOST/owner/name" for github.com, and returns the
// repository it names.
func ParseRepository(s string) (event.Repo, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return event.Repo{}, errors.New("is empty: give it as owner/name")
	}
	path := s
	switch {
	case strings.Contains(s, "://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return event.Repo{}, fmt.Errorf("%q is not a repository URL: give it as owner/name or https://github.com/owner/name", Printable(s))
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return event.Repo{}, fmt.Errorf("%q has scheme %q: a repository URL starts with https://", Printable(s), u.Scheme)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return event.Repo{}, fmt.Errorf("%q has credentials, a query or a fragment: give it as owner/name", Printable(s))
		}
		path = u.Path
	case strings.HasPrefix(strings.ToLower(s), "github.com/"):
		path = s[len("github.com/"):]
	}
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimSuffix(path, "/")
	path = strings.TrimSuffix(path, ".git")
	owner, name, ok := strings.Cut(path, "/")
	if !ok || strings.Contains(name, "/") {
		return event.Repo{}, fmt.Errorf("%q is not of the form owner/name", Printable(s))
	}
	if err := checkOwner(owner); err != nil {
		return event.Repo{}, fmt.Errorf("%q: owner %w", Printable(s), err)
	}
	if err := checkRepoName(name); err != nil {
		return event.Repo{}, fmt.Errorf("%q: name %w", Printable(s), err)
	}
	return event.Repo{Owner: owner, Name: name}, nil
}

// Printable is s as it may be printed: a URL's credentials (user:password@) are replaced
// by "…@", whatever else is wrong with it.
func Printable(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return scheme + "://…@" + rest[at+1:]
	}
	return s
}

// repositoryHost is the host a repository is given with ("https://HOST/owner/name" or
// "github.com/owner/name"), lower case; "" for owner/name.
func repositoryHost(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case strings.Contains(s, "://"):
		if u, err := url.Parse(s); err == nil {
			return strings.ToLower(u.Host)
		}
	case strings.HasPrefix(strings.ToLower(s), "github.com/"):
		return "github.com"
	}
	return ""
}

// WebHost is the host of the web pages of the server whose API root is api: github.com for
// api.github.com, HOST for an Enterprise Server's https://HOST/api/v3, and the API's own
// host otherwise (a proxy, a loopback test server).
func WebHost(api *url.URL) string {
	host := strings.ToLower(api.Host)
	switch {
	case host == "api.github.com":
		return "github.com"
	case strings.HasPrefix(host, "api.") && strings.HasSuffix(host, ".ghe.com"): // GHE.com: api.SUBDOMAIN.ghe.com
		return strings.TrimPrefix(host, "api.")
	}
	return host
}

// checkOwner applies GitHub's rules for user and organisation names: 1–39 ASCII letters,
// digits or hyphens, not starting with a hyphen.
func checkOwner(o string) error {
	if o == "" {
		return errors.New("is empty")
	}
	if len(o) > maxOwnerLength {
		return fmt.Errorf("is longer than %d characters", maxOwnerLength)
	}
	if o[0] == '-' {
		return errors.New("starts with a hyphen")
	}
	for _, c := range o {
		if !(c == '-' || c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c))) {
			return fmt.Errorf("has %q: only letters, digits and hyphens are allowed", c)
		}
	}
	return nil
}

// checkRepoName applies GitHub's rules for repository names: 1–100 ASCII letters, digits,
// '.', '-' or '_', and not "." or "..".
func checkRepoName(n string) error {
	if n == "" {
		return errors.New("is empty")
	}
	if len(n) > maxRepositoryNameSize {
		return fmt.Errorf("is longer than %d characters", maxRepositoryNameSize)
	}
	if n == "." || n == ".." {
		return fmt.Errorf("%q is not allowed", n)
	}
	for _, c := range n {
		if !(c == '-' || c == '_' || c == '.' || c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c))) {
			return fmt.Errorf("has %q: only letters, digits, '.', '-' and '_' are allowed", c)
		}
	}
	return nil
}

// CheckEventType applies GitHub's rule for event_type (1–100 characters) and refuses
// control characters, which no workflow's `types:` filter can match.
func CheckEventType(e string) error {
	if e == "" {
		return errors.New("is required: the name the receiving workflow lists under repository_dispatch types")
	}
	if !utf8.ValidString(e) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(e); n > event.MaxEventTypeLength {
		return fmt.Errorf("is %d characters long: GitHub allows at most %d", n, event.MaxEventTypeLength)
	}
	for _, c := range e {
		if unicode.IsControl(c) {
			return fmt.Errorf("contains the control character %q: use a plain name such as fetch-meetup-data", c)
		}
	}
	return nil
}

// ParsePayload checks that s is one JSON object with unique top-level keys and at most
// maxProps of them, and returns it compacted. An empty s is the empty object.
func ParsePayload(s string, maxProps int) (event.Object, error) {
	if strings.TrimSpace(s) == "" {
		return event.EmptyObject, nil
	}
	b := []byte(s)
	if !utf8.Valid(b) {
		return nil, errors.New("is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("is not valid JSON: %w", jsonErr(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("must be a JSON object like {\"key\": \"value\"}, not %s", jsonKind(tok))
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("is not valid JSON: %w", jsonErr(err))
		}
		key := kt.(string) // inside an object the decoder only yields string keys
		if seen[key] {
			return nil, fmt.Errorf("has the key %q twice", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("is not valid JSON: %w", jsonErr(err))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("is not valid JSON: %w", jsonErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("is not valid JSON: it has more text after the object")
	}
	if len(seen) > maxProps {
		return nil, fmt.Errorf("has %d top-level properties: GitHub allows at most %d (nest the rest inside one property)", len(seen), maxProps)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("is not valid JSON: %w", jsonErr(err))
	}
	return event.Object(out.Bytes()), nil
}

func jsonErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("it ends too early")
	}
	return err
}

func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		if t == '{' {
			return "an object"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "something else"
}

// ParseAPIURL checks that s is an absolute https URL (http is allowed only for loopback
// hosts, as used by tests and local proxies) and returns it with exactly one trailing
// slash, ready to be a client base URL.
func ParseAPIURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", Printable(s))
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%q is not an absolute https URL such as https://api.github.com or https://HOST/api/v3", Printable(s))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q has credentials, a query or a fragment: give only scheme, host and path", Printable(s))
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%q uses http: only https is allowed, except for loopback hosts", s)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckToken refuses an empty token or one with whitespace or control characters inside
// (a token pasted with a line break). It never includes the token in its error.
func CheckToken(t string) error {
	if t == "" {
		return errors.New("is empty")
	}
	for _, c := range t {
		if unicode.IsSpace(c) || unicode.IsControl(c) {
			return errors.New("contains whitespace or a control character: copy the token again without line breaks or spaces")
		}
	}
	return nil
}

// parseDuration reads a Go duration ("90s", "5m", "1h30m") between zero and MaxTimeout;
// empty means def.
func parseDuration(s string, def time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return 0, fmt.Errorf("%q has no unit: write a duration such as %ss or 5m", s, s)
		}
		return 0, fmt.Errorf("%q is not a duration: write it like 90s, 5m or 1h30m", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be more than zero", s)
	}
	if d > MaxTimeout {
		return 0, fmt.Errorf("%q is longer than %s, the longest a job may run", s, MaxTimeout)
	}
	return d, nil
}

// ParseMaxAttempts reads how many times one request may be tried, 1 to MaxMaxAttempts;
// empty means DefaultMaxAttempts.
func ParseMaxAttempts(s string) (int, error) {
	n, err := parseIntRange(s, DefaultMaxAttempts, 1, MaxMaxAttempts)
	if err != nil {
		return 0, fmt.Errorf("%w (1 disables retries)", err)
	}
	return n, nil
}

// ParseWorkflow accepts a workflow's numeric ID, its file name ("deploy.yml", also given as
// ".github/workflows/deploy.yml"), or its display name (its name: line, "Deploy app"),
// which byName reports: a name is resolved by listing the repository's workflows.
func ParseWorkflow(s string) (workflow string, byName bool, err error) {
	s = strings.TrimSpace(s)
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		if id <= 0 {
			return "", false, fmt.Errorf("%q is not a workflow ID", s)
		}
		return s, false, nil
	}
	name := strings.TrimPrefix(s, ".github/workflows/")
	if !event.IsWorkflowFile(name) {
		return checkWorkflowName(s)
	}
	if strings.Contains(name, "/") {
		return "", false, fmt.Errorf("%q: give the workflow's file name, such as deploy.yml, its numeric ID or its name", s)
	}
	for _, c := range name {
		if !(c == '-' || c == '_' || c == '.' || c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c))) {
			return "", false, fmt.Errorf("%q has %q: a workflow file name has letters, digits, '.', '-' and '_'", s, c)
		}
	}
	return name, false, nil
}

// checkWorkflowName accepts a workflow's display name: 1–200 characters, no control
// characters.
func checkWorkflowName(s string) (string, bool, error) {
	switch {
	case s == "":
		return "", false, errors.New("is empty")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return "", false, fmt.Errorf("%q is neither a numeric ID, a file name ending in .yml or .yaml, nor a workflow name (no control characters)", s)
	case utf8.RuneCountInString(s) > 200:
		return "", false, errors.New("is longer than 200 characters: give the workflow's file name or ID")
	}
	return s, true, nil
}

// CheckArtifactName applies GitHub's rules for an artifact name: 1–256 characters, none
// of " : < > | * ? \ / or a line break.
func CheckArtifactName(s string) error {
	if s == "" || utf8.RuneCountInString(s) > 256 {
		return errors.New("must be 1 to 256 characters, such as dispatch-outputs")
	}
	if i := strings.IndexAny(s, "\":<>|*?\\/\r\n"); i >= 0 {
		return fmt.Errorf("has %q, which an artifact name cannot have", s[i])
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return errors.New("has a control character")
	}
	return nil
}

// ParseWorkflowInputs checks a workflow_dispatch inputs object: at most 25 properties,
// each a string, number or boolean, at most 65,535 characters in all. Empty is {}.
func ParseWorkflowInputs(s string) (event.Object, error) {
	obj, err := ParsePayload(s, event.MaxWorkflowInputs)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, fmt.Errorf("is not valid JSON: %w", err)
	}
	for k, v := range m {
		switch v[0] {
		case '{', '[', 'n':
			return nil, fmt.Errorf("input %q is %s: workflow inputs are strings, numbers or booleans", k, map[byte]string{'{': "an object", '[': "an array", 'n': "null"}[v[0]])
		}
	}
	if n := utf8.RuneCount(obj); n > event.MaxWorkflowInputsLength {
		return nil, fmt.Errorf("is %d characters long: GitHub accepts at most %d", n, event.MaxWorkflowInputsLength)
	}
	return obj, nil
}

// withDistinctID returns the payload with a distinct_id property: the user's own if it
// has one (a non-empty string), else id. The property counts toward GitHub's limit.
func withDistinctID(payload event.Object, id string) (event.Object, string, error) {
	if v, ok := payload.StringProperty(event.DistinctIDKey); ok {
		return payload, v, nil
	}
	if payload.Has(event.DistinctIDKey) {
		return nil, "", fmt.Errorf("has %q that is not a non-empty string: drop it and the action adds a unique one, or make it a string", event.DistinctIDKey)
	}
	if n := payload.Len(); n >= event.MaxPayloadProperties {
		return nil, "", fmt.Errorf("has %d top-level properties: with wait or add-distinct-id set, the action adds %q, and GitHub allows at most %d, so use at most %d", n, event.DistinctIDKey, event.MaxPayloadProperties, event.MaxPayloadProperties-1)
	}
	return payload.WithDistinctID(id), id, nil
}

// listItems splits a list input (repository, jobs): one item per line or comma-separated,
// except for commas inside parentheses, which a matrix job's name has ("build (ubuntu,
// 20)"). Empty items are dropped.
func listItems(s string) []string {
	var items []string
	for _, line := range strings.Split(s, "\n") {
		depth, start := 0, 0
		for i := 0; i <= len(line); i++ {
			switch {
			case i < len(line) && line[i] == '(':
				depth++
			case i < len(line) && line[i] == ')':
				depth = max(0, depth-1)
			case i == len(line) || line[i] == ',' && depth == 0:
				if item := line[start:i]; strings.TrimSpace(item) != "" {
					items = append(items, item)
				}
				start = i + 1
			}
		}
	}
	return items
}

// nonEmptyLines are the lines of s with something on them.
func nonEmptyLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// ParseRepositories reads one or more targets, one per line or separated by commas, in
// any form ParseRepository accepts. Duplicates (ignoring case) are dropped, order kept.
// Every bad entry is reported.
func ParseRepositories(s string) ([]event.Repo, []error) {
	var repos []event.Repo
	var errs []error
	seen := map[string]bool{}
	for _, item := range listItems(s) {
		r, err := ParseRepository(item)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if key := strings.ToLower(r.String()); !seen[key] {
			seen[key] = true
			repos = append(repos, r)
		}
	}
	if len(repos) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("is empty: give it as owner/name (several: one per line or comma-separated)"))
	}
	if len(repos) > MaxTargets {
		errs = append(errs, fmt.Errorf("names %d repositories: at most %d, GitHub's limit of content-creating requests an hour", len(repos), MaxTargets))
	}
	return repos, errs
}

// parseIntRange reads a whole number from lo to hi; empty means def.
func parseIntRange(s string, def, lo, hi int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number: use %d to %d", s, lo, hi)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range: use %d to %d", n, lo, hi)
	}
	return n, nil
}

func parseBool(s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "false", "0", "no", "off":
		return false, nil
	case "true", "1", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", s)
}

// MaxJobs bounds the jobs input.
const MaxJobs = 50

// ParseJobs reads the jobs input: job names, one per line, or on a single line
// comma-separated (a comma inside parentheses, a matrix's, does not separate); duplicates
// dropped, order kept. A name given on a line of its own is taken whole, commas and all. A
// name is as the run lists its job: its name:, or its key when it has none.
func ParseJobs(s string) ([]string, error) {
	var names []string
	items := listItems(s)
	if lines := nonEmptyLines(s); len(lines) > 1 {
		items = lines
	}
	for _, item := range items {
		name := strings.TrimSpace(item)
		switch {
		case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
			return nil, fmt.Errorf("%q has a control character: give job names as the run lists them", name)
		case utf8.RuneCountInString(name) > 200:
			return nil, fmt.Errorf("%q is longer than 200 characters", name)
		case !slices.Contains(names, name):
			names = append(names, name)
		}
	}
	if len(names) > MaxJobs {
		return nil, fmt.Errorf("names %d jobs: at most %d", len(names), MaxJobs)
	}
	return names, nil
}
