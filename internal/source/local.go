package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
)

// LocalDir is a Source reading a directory on disk (ecsgit validate/plan
// against a working copy, or sync following a directory another tool
// writes). Its revision identity is a content hash; when the directory is
// inside a git worktree, HEAD's commit is recorded too, for display only:
// uncommitted edits count, so TreeHash, not SHA, decides Changed.
type LocalDir struct {
	dir string
	// Debounce is how long Watch waits after the last event before
	// signalling; default 300 ms (an editor save is several events).
	Debounce time.Duration
}

var _ Source = (*LocalDir)(nil)

// Local returns a source for dir, which must exist.
func Local(dir string) (*LocalDir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local source %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("local source: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("local source %s: not a directory", abs)
	}
	return &LocalDir{dir: abs, Debounce: 300 * time.Millisecond}, nil
}

// Describe names the directory.
func (l *LocalDir) Describe() string { return "dir " + l.dir }

// Fetch hashes the directory's files and, in a git worktree, reads HEAD.
// A directory that has disappeared is ErrPathMissing, never "empty".
func (l *LocalDir) Fetch(ctx context.Context) (Revision, error) {
	if _, err := os.Stat(l.dir); errors.Is(err, fs.ErrNotExist) {
		return Revision{}, &PathMissingError{Path: l.dir}
	}
	sum, err := hashDir(ctx, l.dir)
	if err != nil {
		return Revision{}, fmt.Errorf("hash %s: %w", l.dir, err)
	}
	rev := Revision{TreeHash: sum}
	headCommit(l.dir, &rev)
	return rev, nil
}

// Checkout returns the directory itself: a local source is the user's own
// working copy, there is nothing to materialise. Callers that need a stable
// view re-Fetch after reading and compare TreeHash.
func (l *LocalDir) Checkout(ctx context.Context, rev Revision) (string, error) {
	if _, err := os.Stat(l.dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &PathMissingError{Path: l.dir}
		}
		return "", fmt.Errorf("local source: %w", err)
	}
	return l.dir, nil
}

// hashDir is a sha256 over (relative path, executable bit, content) of every
// regular file and (path, target) of every symlink, in lexical order, skipping
// .git and editor temporary files (the same set Watch ignores).
func hashDir(ctx context.Context, root string) (string, error) {
	h := sha256.New()
	buf := make([]byte, 32<<10) // one buffer for all files, not one per file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if ignoredPath(root, p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "L %s\x00%s\x00", rel, target)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "F %s\x00%t\x00%d\x00", rel, info.Mode()&0o111 != 0, info.Size())
			return hashFile(h, p, buf)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, p string, buf []byte) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	// Hide *os.File.WriteTo: its fallback allocates a fresh buffer per call.
	_, err = io.CopyBuffer(w, struct{ io.Reader }{f}, buf)
	return err
}

// headCommit fills the commit fields from HEAD when dir is in a git
// worktree. Failures are ignored: the commit is informative only.
func headCommit(dir string, rev *Revision) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return
	}
	head, err := repo.Head()
	if err != nil {
		return
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		return
	}
	rev.SHA = c.Hash.String()
	rev.Author, rev.Email = c.Author.Name, c.Author.Email
	rev.Message, rev.Time = firstLine(c.Message), c.Committer.When
}
