package runs

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

// The outputs a run hands back: outputs.json in an artifact it uploaded.

// The outputs artifact's bounds.
const (
	maxArtifactBytes = 10 << 20 // the artifact's zip
	MaxOutputsBytes  = 1 << 20  // outputs.json inside it
	OutputsFile      = "outputs.json"
)

// OutputsError says why a run's outputs could not be read.
type OutputsError struct {
	Artifact string
	Why      string
	Err      error // the GitHub failure behind it, if any
}

func (e *OutputsError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("outputs artifact %q: %s: %v", e.Artifact, e.Why, e.Err)
	}
	return fmt.Sprintf("outputs artifact %q: %s", e.Artifact, e.Why)
}

func (e *OutputsError) Unwrap() error { return e.Err }

// Outputs finds the artifact named name on the run, downloads its zip (GitHub redirects to
// a storage host, reached without the token) and returns the JSON object in its
// outputs.json, compacted.
func (p *Client) Outputs(ctx context.Context, runID int64, name string) (json.RawMessage, error) {
	var list struct {
		Artifacts []struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Expired bool   `json:"expired"`
		} `json:"artifacts"`
	}
	path := p.Repo.Path() + fmt.Sprintf("actions/runs/%d/artifacts?per_page=100&name=%s", runID, url.QueryEscape(name))
	if err := p.get(ctx, path, "artifacts", &list); err != nil {
		return nil, &OutputsError{Artifact: name, Why: "the run's artifacts could not be listed", Err: err}
	}
	var id int64
	for _, a := range list.Artifacts {
		if a.Name == name && !a.Expired {
			id = a.ID
		}
	}
	if id == 0 {
		return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("run %d has no such artifact", runID)}
	}
	archive, err := p.download(ctx, p.Repo.Path()+fmt.Sprintf("actions/artifacts/%d/zip", id))
	if err != nil {
		return nil, &OutputsError{Artifact: name, Why: "the archive could not be downloaded", Err: err}
	}
	return readOutputs(name, archive)
}

func (p *Client) download(ctx context.Context, path string) ([]byte, error) {
	var data []byte
	err := p.fetch(ctx, path, maxArtifactBytes, func(body io.Reader) (err error) {
		data, err = io.ReadAll(body)
		return err
	})
	return data, err
}

// readOutputs reads outputs.json from a zip archive: at most MaxOutputsBytes however the
// archive claims its size, and a JSON object.
func readOutputs(name string, archive []byte) (json.RawMessage, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, &OutputsError{Artifact: name, Why: "it is not a zip archive"}
	}
	for _, f := range zr.File {
		if f.Name != OutputsFile {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s cannot be read: %v", OutputsFile, err)}
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxOutputsBytes+1))
		_ = rc.Close()
		if err != nil {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s cannot be read: %v", OutputsFile, err)}
		}
		if len(data) > MaxOutputsBytes {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s is larger than 1 MiB", OutputsFile)}
		}
		var out bytes.Buffer
		if json.Compact(&out, data) != nil || out.Len() == 0 || out.Bytes()[0] != '{' {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s is not a JSON object", OutputsFile)}
		}
		return out.Bytes(), nil
	}
	return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("it holds no %s at its top level", OutputsFile)}
}
