package ghclient

import (
	"io"
	"net/http"
)

// The transports that send a request again (the retry policy, a renewed token, a refused
// API version) do it the same way: only a request whose body can be read again, after
// draining the answer they drop.

// replayable reports whether req can be sent again: it has no body, or one it can read
// again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// replay is req to send again, with its body read afresh.
func replay(req *http.Request) (*http.Request, error) {
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		again.Body = body
	}
	return again, nil
}

// drain discards what is left of an answer not handed on, within a cap, so that its
// connection can be used again; errors do not matter here.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorBytes))
	_ = resp.Body.Close()
}
