package ghclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"
)

func answerOf(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}
}

// One classification for every answer: the retry policy sees the raw answer, the hints
// see go-github's error for the same answer, and both must agree.
func TestClassifyAgreesBelowAndAboveGoGitHub(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		kind   Kind
		check  func(Cause) bool
	}{
		{"404", 404, nil, `{"message":"Not Found"}`, NotFound, nil},
		{"401", 401, nil, `{"message":"Bad credentials"}`, Unauthorized, nil},
		{"422", 422, nil, `{"message":"Invalid request.\n\nNo ref"}`, Validation, func(c Cause) bool { return c.Message == "Invalid request. No ref" }},
		{"422 unknown key", 422, nil, `{"message":"Invalid request.\n\n\"x\" is not a permitted key."}`, Validation, nil},
		{"400", 400, nil, `{"message":"API version 2026-03-10 is not supported."}`, BadRequest, nil},
		{"permission 403", 403, http.Header{"X-Accepted-Github-Permissions": {"contents=write"}}, `{"message":"Resource not accessible by integration"}`, Forbidden,
			func(c Cause) bool { return c.Permission == "contents=write" }},
		{"secondary 403 by message", 403, nil, `{"message":"You have exceeded a secondary rate limit."}`, RateLimited, func(c Cause) bool { return !c.Primary && !c.HasRetryAfter }},
		{"secondary 403 with Retry-After", 403, http.Header{"Retry-After": {"30"}}, `{"message":"x"}`, RateLimited, func(c Cause) bool { return c.RetryAfter == 30*time.Second }},
		{"primary 403", 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(reset.Unix())}, "X-Ratelimit-Limit": {"5000"}},
			`{"message":"API rate limit exceeded"}`, RateLimited, func(c Cause) bool { return c.Primary && c.Reset.Equal(reset) && c.Limit == 5000 }},
		{"429", 429, http.Header{"Retry-After": {"7"}}, ``, RateLimited, func(c Cause) bool { return c.Status == 429 && c.RetryAfter == 7*time.Second }},
		{"502", 502, http.Header{"X-Github-Request-Id": {"A:B"}}, `<html>`, ServerError, func(c Cause) bool { return c.Transient() && c.RequestID == "A:B" }},
		{"501", 501, nil, ``, ServerError, func(c Cause) bool { return !c.Transient() }},
		{"409", 409, nil, `{"message":"conflict"}`, OtherStatus, nil},
	}
	for _, tt := range tests {
		raw := answerOf(tt.status, tt.header, tt.body)
		below := ClassifyResponse(raw, time.Now())
		_ = raw.Body.Close()
		resp := answerOf(tt.status, tt.header, tt.body)
		above := CauseOf(Check(github.CheckResponse(resp)))
		_ = resp.Body.Close()
		for where, c := range map[string]Cause{"below": below, "above": above} {
			if c.Kind != tt.kind || c.Status != tt.status || (tt.check != nil && !tt.check(c)) {
				t.Errorf("%s, %s go-github: %+v", tt.name, where, c)
			}
		}
	}
}

func TestClassifyWithoutAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		kind Kind
	}{
		{context.Canceled, Cancelled},
		{fmt.Errorf("stopped: %w", context.DeadlineExceeded), TimedOut},
		{&attemptTimeoutError{after: time.Second}, Network},
		{io.ErrUnexpectedEOF, Network},
		{errors.New("connection reset by peer"), Network},
	} {
		if got := Classify(tc.err).Kind; got != tc.kind {
			t.Errorf("%v: kind %d, want %d", tc.err, got, tc.kind)
		}
	}
	if Check(nil) != nil {
		t.Error("Check(nil) is not nil")
	}
	e := Check(errors.New("x"))
	var inner *Error
	if errors.As(errors.Unwrap(Check(e)), &inner) {
		t.Error("Check wraps twice")
	}
}

func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "120", "99999999999999999999999", "-1", "Sat, 28 Nov 2026 12:01:00 GMT", "Mon, 02 Jan 2006 15:04:05 GMT", "1e9", " 7 ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := RetryAfter(v, now)
		if d < 0 || d > MaxWait || (!ok && d != 0) {
			t.Fatalf("RetryAfter(%q) = %s, %v", v, d, ok)
		}
		h := http.Header{"Retry-After": {v}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {v}}
		resp := answerOf(429, h, "")
		c := ClassifyResponse(resp, now)
		_ = resp.Body.Close()
		if c.RetryAfter < 0 || c.RetryAfter > MaxWait || (c.Primary && c.Reset.Sub(now) > MaxWait) {
			t.Fatalf("cause %+v", c)
		}
	})
}

// What a 422's message says was refused is read here, once: each of GitHub's messages
// to a workflow_dispatch it refuses, whatever its case; any other is unknown.
func TestRefusalOfA422(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]Refusal{
		`Unexpected inputs provided: ["x"]`:                         UnexpectedInputs,
		"Required input 'env' not provided":                         RequiredInput,
		"Workflow does not have 'workflow_dispatch' trigger":        NoDispatchTrigger,
		"No more than 10 properties are allowed; 11 were supplied.": TooManyProperties,
		"Invalid request": RefusalUnknown,
	} {
		c := ClassifyResponse(answerOf(422, nil, fmt.Sprintf(`{"message":%q}`, msg)), time.Now())
		if c.Kind != Validation || c.Refusal != want {
			t.Errorf("%q: %+v, want refusal %d", msg, c, want)
		}
	}
	if c := ClassifyResponse(answerOf(400, nil, `{"message":"Unexpected inputs provided"}`), time.Now()); c.Refusal != RefusalUnknown {
		t.Errorf("a 400 is no refusal of inputs: %+v", c)
	}
}
