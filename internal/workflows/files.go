package workflows

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// FileOf is the path of a workflow named by its file name ("deploy.yml") in GitHub's
// folder; "" for a name that is not a file name (an ID, or a workflow's name:).
func FileOf(name string) string {
	if !event.IsWorkflowFile(name) {
		return ""
	}
	return Dir + "/" + name
}

// ReadDir lists the workflow files of a folder of repo at ref ("": the default branch),
// each as its path. An error is what the server answered, classified.
func ReadDir(ctx context.Context, client *github.Client, repo event.Repo, dir, ref string) ([]string, error) {
	_, entries, err := get(ctx, client, repo, dir, ref)
	if err != nil {
		return nil, ghclient.Check(err)
	}
	if entries == nil {
		return nil, errors.New("it is not a directory")
	}
	var names []string
	for _, e := range entries {
		if n := e.GetName(); e.GetType() == "file" && event.IsWorkflowFile(n) {
			names = append(names, dir+"/"+n)
		}
	}
	return names, nil
}

// ReadFile reads the workflow file at path of repo at ref ("": the default branch) and
// parses what its on: says. An error is what the server answered, classified, or a file
// this package cannot read with confidence (ErrUnread).
func ReadFile(ctx context.Context, client *github.Client, repo event.Repo, path, ref string) (Triggers, error) {
	src, err := source(ctx, client, repo, path, ref)
	if err != nil {
		return Triggers{}, err
	}
	return Parse(src)
}

// source is the text of the workflow file at path of repo at ref, within MaxFileBytes.
func source(ctx context.Context, client *github.Client, repo event.Repo, path, ref string) ([]byte, error) {
	fc, _, err := get(ctx, client, repo, path, ref)
	switch {
	case err != nil:
		return nil, ghclient.Check(err)
	case fc == nil:
		return nil, fmt.Errorf("%w: it is a directory", ErrUnread)
	case fc.GetSize() > MaxFileBytes:
		return nil, fmt.Errorf("%w: %d bytes, larger than %d", ErrUnread, fc.GetSize(), MaxFileBytes)
	}
	src, err := fc.GetContent()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnread, err)
	}
	return []byte(src), nil
}

// get reads a path of the repository at ref ("": the default branch): a file, or a
// folder's entries.
func get(ctx context.Context, client *github.Client, repo event.Repo, p, ref string) (*github.RepositoryContent, []*github.RepositoryContent, error) {
	var opts *github.RepositoryContentGetOptions
	if ref != "" {
		opts = &github.RepositoryContentGetOptions{Ref: ref}
	}
	file, entries, _, err := client.Repositories.GetContents(ctx, repo.Owner, repo.Name, p, opts)
	return file, entries, err
}
