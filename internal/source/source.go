// Package source turns "where the desired state lives" into a directory that
// spec.Load can read, plus an identity (Revision) for what was read.
//
// Two sources exist: Git (a persistent, incrementally fetched clone of one
// ref, materialised per commit) and Local (a directory on disk, watched with
// fsnotify). Webhook receivers (WebhookHandler) turn provider push events into
// an early poll.
//
// The package never returns an "empty" revision: a failed fetch, a missing
// path or an unreadable tree is an error, so the caller can never mistake a
// broken source for "nothing is desired" and prune everything.
package source

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Source is what the sync loop polls. Implementations are safe for
// concurrent use.
type Source interface {
	// Fetch brings the source up to date and returns the revision that is
	// now desired. It never returns a zero Revision with a nil error.
	Fetch(ctx context.Context) (Revision, error)
	// Checkout returns a directory holding the configured path at rev. The
	// directory stays valid at least until two newer revisions have been
	// checked out; callers must not write to it.
	Checkout(ctx context.Context, rev Revision) (dir string, err error)
	// Describe names the source for logs and status. It never contains
	// credentials.
	Describe() string
}

// Revision identifies one state of a source.
type Revision struct {
	// SHA is the commit (Git, or HEAD of a local worktree; empty for a
	// plain local directory).
	SHA string `json:"sha,omitempty"`
	// Author, Email, Message (first line only) and Time describe the commit.
	Author  string    `json:"author,omitempty"`
	Email   string    `json:"email,omitempty"`
	Message string    `json:"message,omitempty"`
	Time    time.Time `json:"time,omitempty"`
	// TreeHash identifies the content of the configured path only: the git
	// tree hash of SUBDIR, or "sha256:…" over a local directory's files.
	// Two revisions with equal TreeHash render the same desired state.
	TreeHash string `json:"treeHash"`
}

// Short is the abbreviated commit (or tree) identity for human output.
func (r Revision) Short() string {
	id := r.SHA
	if id == "" {
		id = r.TreeHash
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Changed reports whether b renders a different desired state than a. Only
// the configured path counts: a commit that touches nothing under it is not a
// change. An unknown tree (empty TreeHash) always counts as a change, so a
// caller can never skip a plan by accident.
func Changed(a, b Revision) bool {
	if a.TreeHash == "" || b.TreeHash == "" {
		return true
	}
	return a.TreeHash != b.TreeHash
}

// ErrPathMissing is matched (errors.Is) by the error returned when the
// configured path does not exist at the fetched revision. The caller must
// treat it as a failure, never as an empty desired state.
var ErrPathMissing = errors.New("path missing in source")

// PathMissingError says which path was missing at which commit.
type PathMissingError struct {
	Path string
	SHA  string
}

func (e *PathMissingError) Error() string {
	if e.SHA == "" {
		return fmt.Sprintf("path %q not found (refusing to treat it as empty)", e.Path)
	}
	return fmt.Sprintf("path %q not found at commit %.12s (refusing to treat it as empty)", e.Path, e.SHA)
}

// Is makes errors.Is(err, ErrPathMissing) true.
func (e *PathMissingError) Is(target error) bool { return target == ErrPathMissing }

// firstLine keeps the subject of a commit message.
func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' || c == '\r' {
			return s[:i]
		}
	}
	return s
}
