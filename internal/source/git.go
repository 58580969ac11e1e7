package source

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// GitOptions configures a Git source (--repo, --ref, --path and auth flags).
type GitOptions struct {
	// URL of the repository: https://, http:// (loopback only with
	// credentials), ssh://, git@host:org/repo, or file://.
	URL string
	// Ref is a branch name, a tag name, a full ref (refs/heads/x,
	// refs/tags/v1) or a full 40-hex commit SHA. A short name is looked up
	// as a branch first, then as a tag, like git does.
	Ref string
	// Path is the directory inside the repository that holds the desired
	// state ("" or "." for the root).
	Path string
	// CacheDir is the root of the clone cache; default DefaultCacheDir().
	CacheDir string
	// Auth holds the credentials.
	Auth Auth
	// FullHistory disables shallow (depth 1) fetches. Shallow is the
	// default: change detection compares trees, never walks history, so one
	// commit per fetch is all that is needed.
	FullHistory bool
	// KeepSnapshots is how many checked-out snapshots to keep; default 2
	// (the one being applied and the one before it, which a slow reader
	// may still hold).
	KeepSnapshots int
}

// Git is a Source following one ref of a remote repository through a
// persistent bare clone in the cache directory.
type Git struct {
	opts  GitOptions
	path  string // cleaned, "" for the root
	cache cacheLayout
	mu    *sync.Mutex // shared by every Git on the same cache directory
	repo  *git.Repository
}

var _ Source = (*Git)(nil)

var shaPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// NewGit validates opts and prepares the cache directory. It does not touch
// the network; the first Fetch clones.
func NewGit(opts GitOptions) (*Git, error) {
	if opts.Ref == "" {
		return nil, errors.New("git source: a ref (branch, tag or commit SHA) is required")
	}
	if err := validateURL(opts.URL, opts.Auth); err != nil {
		return nil, fmt.Errorf("git source %s: %w", Redact(opts.URL), err)
	}
	if opts.KeepSnapshots <= 0 {
		opts.KeepSnapshots = 2
	}
	p, err := cleanRepoPath(opts.Path)
	if err != nil {
		return nil, err
	}
	cache, err := newCacheLayout(opts.CacheDir, opts.URL)
	if err != nil {
		return nil, err
	}
	return &Git{opts: opts, path: p, cache: cache, mu: repoLock(cache.root)}, nil
}

// Describe names the source without credentials.
func (g *Git) Describe() string {
	d := fmt.Sprintf("git %s ref=%s", Redact(g.opts.URL), g.opts.Ref)
	if g.path != "" {
		d += " path=" + g.path
	}
	return d
}

// CacheDir is the directory holding this source's clone and snapshots.
func (g *Git) CacheDir() string { return g.cache.root }

// cleanRepoPath normalises --path and rejects paths escaping the repository.
func cleanRepoPath(p string) (string, error) {
	p = strings.ReplaceAll(p, "\\", "/")
	if c := path.Clean(p); c == ".." || strings.HasPrefix(c, "../") || path.IsAbs(c) {
		return "", fmt.Errorf("git source: path %q must be relative to the repository root", p)
	}
	return strings.Trim(path.Clean("/"+p), "/"), nil
}

// redactor returns a redactor for the current credentials. Built per call
// because a token file may have been rotated since the last one.
func (g *Git) redactor() *redactor {
	return newRedactor(append(g.opts.Auth.secrets(), urlSecrets(g.opts.URL)...)...)
}

// Fetch updates the clone with the configured ref and returns its revision.
//
// A ref that already points to a commit present in the clone costs one
// ref advertisement and no pack transfer; a full SHA already present costs
// nothing. A force-pushed branch is followed (the local ref is overwritten).
// A clone that go-git cannot use any more (objects missing after shallow
// fetches) is deleted and cloned again once.
func (g *Git) Fetch(ctx context.Context) (Revision, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	red := g.redactor()
	rev, err := g.fetchOnce(ctx)
	if err != nil && isCorruptClone(err) && ctx.Err() == nil {
		if rmErr := g.resetClone(); rmErr != nil {
			return Revision{}, red.wrap("reset clone", rmErr)
		}
		rev, err = g.fetchOnce(ctx)
	}
	if err != nil {
		var pm *PathMissingError
		if errors.As(err, &pm) {
			return Revision{}, err
		}
		return Revision{}, red.wrap(fmt.Sprintf("fetch %s", g.Describe()), err)
	}
	return rev, nil
}

func (g *Git) fetchOnce(ctx context.Context) (Revision, error) {
	repo, err := g.open()
	if err != nil {
		return Revision{}, err
	}
	want, err := g.sync(ctx, repo)
	if err != nil {
		return Revision{}, err
	}
	// sync may have re-cloned (g.repo replaced); and a fetch adds a pack that go-git
	// keeps indexed in memory until the clone is compacted (compact.go).
	if repo, err = g.open(); err != nil {
		return Revision{}, err
	}
	if repo, err = g.compactIfNeeded(repo); err != nil {
		return Revision{}, err
	}
	commit, err := peelToCommit(repo, want)
	if err != nil {
		return Revision{}, err
	}
	return g.revision(repo, commit)
}

// revision describes commit, with the tree hash of the configured path.
func (g *Git) revision(repo *git.Repository, c *object.Commit) (Revision, error) {
	tree, err := subtree(repo.Storer, c, g.path)
	if err != nil {
		return Revision{}, err
	}
	return Revision{
		SHA:      c.Hash.String(),
		Author:   c.Author.Name,
		Email:    c.Author.Email,
		Message:  firstLine(c.Message),
		Time:     c.Committer.When,
		TreeHash: tree.Hash.String(),
	}, nil
}

// subtree returns the tree at p in c, or a *PathMissingError when p does
// not exist or is not a directory. A missing tree *object* is a broken
// clone, not a missing path, and is reported as such so Fetch re-clones.
func subtree(s storer.EncodedObjectStorer, c *object.Commit, p string) (*object.Tree, error) {
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", c.Hash, err)
	}
	if p == "" {
		return root, nil
	}
	e, err := root.FindEntry(p)
	if err != nil || e.Mode != filemode.Dir {
		return nil, &PathMissingError{Path: p, SHA: c.Hash.String()}
	}
	t, err := object.GetTree(s, e.Hash)
	if err != nil {
		return nil, fmt.Errorf("read tree %q of %s: %w", p, c.Hash, err)
	}
	return t, nil
}

// peelToCommit follows annotated tags to the commit they name.
func peelToCommit(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	for range 8 { // tags of tags are legal; a bound keeps a cycle finite
		obj, err := repo.Object(plumbing.AnyObject, h)
		if err != nil {
			return nil, fmt.Errorf("read object %s: %w", h, err)
		}
		switch o := obj.(type) {
		case *object.Commit:
			return o, nil
		case *object.Tag:
			h = o.Target
		default:
			return nil, fmt.Errorf("ref points to a %s, not a commit", obj.Type())
		}
	}
	return nil, fmt.Errorf("tag chain at %s is too deep", h)
}

// errCorruptClone marks a failure of the clone itself (see isCorruptClone).
var errCorruptClone = errors.New("the clone is damaged")

// isCorruptClone reports errors that a fresh clone cures: objects the
// clone should have but does not (go-git's shallow fetches can leave such
// holes), an unreadable pack, or a ref file left empty by a process killed
// mid-write (go-git does not write refs atomically; seen with kill -9 of
// `ecsgit sync` during a fetch).
func isCorruptClone(err error) bool {
	var pm *PathMissingError
	if errors.As(err, &pm) {
		return false
	}
	if errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, errCorruptClone) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "object not found") || strings.Contains(msg, "packfile") ||
		strings.Contains(msg, "ref file is empty")
}
