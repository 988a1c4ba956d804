package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
)

// Describe turns an error from a GitHub request into one line saying what GitHub answered
// (or that it did not answer), without the request URL's noise.
func Describe(err error) string {
	// Keep the context our own wrapping added ("listing runs: …"), not the URL noise of
	// net/url's errors.
	if inner := errors.Unwrap(err); inner != nil {
		outer := err.Error()
		if !strings.HasSuffix(outer, inner.Error()) {
			// An error of ours that explains its cause in its own words.
			return outer + " (" + Describe(inner) + ")"
		}
		if prefix := strings.TrimSuffix(outer, inner.Error()); prefix != "" && !strings.Contains(prefix, "://") {
			return prefix + Describe(inner)
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled before GitHub confirmed the event: it was probably not delivered"
	case errors.Is(err, context.DeadlineExceeded):
		return "the step's timeout ran out before GitHub confirmed the event: it was probably not delivered"
	}
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl):
		return fmt.Sprintf("GitHub answered %s: primary rate limit exhausted (%d requests an hour), it resets at %s",
			statusText(rl.Response), rl.Rate.Limit, rl.Rate.Reset.Time.UTC().Format(time.RFC3339))
	case errors.As(err, &abuse):
		msg := fmt.Sprintf("GitHub answered %s: secondary rate limit", statusText(abuse.Response))
		if abuse.RetryAfter != nil {
			msg += fmt.Sprintf(", retry after %s", abuse.RetryAfter.Round(time.Second))
		}
		return msg
	case errors.As(err, &er):
		msg := "GitHub answered " + statusText(er.Response)
		if m := strings.Join(strings.Fields(er.Message), " "); m != "" {
			msg += ": " + m
		}
		var details []string
		for _, e := range er.Errors {
			switch {
			case e.Message != "":
				details = append(details, e.Message)
			case e.Field != "":
				details = append(details, fmt.Sprintf("%s %s", e.Field, e.Code))
			}
		}
		if len(details) > 0 {
			msg += " (" + strings.Join(details, "; ") + ")"
		}
		return msg
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return "no answer from GitHub: " + err.Error()
	}
	return err.Error()
}

func statusText(r *http.Response) string {
	if r == nil {
		return "an error"
	}
	return fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))
}
