package source

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// sync makes the object named by the configured ref present in repo and
// returns its hash (a commit, or a tag object for annotated tags).
func (g *Git) sync(ctx context.Context, repo *git.Repository) (plumbing.Hash, error) {
	auth, err := g.opts.Auth.method(g.opts.URL)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if shaPattern.MatchString(g.opts.Ref) {
		return g.syncSHA(ctx, repo, auth, plumbing.NewHash(g.opts.Ref))
	}
	// The remote is built in memory on every call and never saved: the
	// clone's config must not hold a URL with credentials in it.
	remote := git.NewRemote(repo.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{g.opts.URL}})
	refs, err := remote.ListContext(ctx, &git.ListOptions{Auth: auth, PeelingOption: git.AppendPeeled})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("list remote refs: %w", err)
	}
	name, target, err := pickRef(refs, g.opts.Ref)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// The common poll: nothing moved. One ref advertisement, no pack.
	if hasObject(repo, target) {
		return target, nil
	}
	depth := 1
	if g.opts.FullHistory {
		depth = 0
		if isShallow(repo) {
			// go-git only sends its shallow boundary when Depth > 0; a full
			// fetch into a shallow clone can leave holes. Start over.
			if err := g.resetClone(); err != nil {
				return plumbing.ZeroHash, err
			}
			fresh, err := g.open()
			if err != nil {
				return plumbing.ZeroHash, err
			}
			return g.sync(ctx, fresh)
		}
	}
	local := localRefName(name)
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []config.RefSpec{config.RefSpec("+" + name.String() + ":" + local.String())},
		Depth:    depth,
		Auth:     auth,
		Tags:     git.NoTags, // only the configured ref, never every tag
		Force:    true,       // follow force-pushes and moved tags
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("fetch %s: %w", name, err)
	}
	// The ref may have moved between the listing and the fetch: what was
	// fetched is the truth.
	ref, err := repo.Storer.Reference(local)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read fetched ref %s: %w", local, err)
	}
	if !hasObject(repo, ref.Hash()) {
		return plumbing.ZeroHash, fmt.Errorf("fetched %s but %s is absent: %w", name, ref.Hash(), plumbing.ErrObjectNotFound)
	}
	return ref.Hash(), nil
}

// syncSHA handles a ref pinned to a commit. A commit never changes, so once
// present it costs no network at all. Otherwise every branch and tag is
// fetched with full history, because the commit may be anywhere in it and
// servers refuse to serve arbitrary SHAs to protocol v0 clients
// (uploadpack.allowReachableSHA1InWant is off by default).
func (g *Git) syncSHA(ctx context.Context, repo *git.Repository, auth transport.AuthMethod, h plumbing.Hash) (plumbing.Hash, error) {
	if hasCommit(repo, h) {
		return h, nil
	}
	if isShallow(repo) {
		if err := g.resetClone(); err != nil {
			return plumbing.ZeroHash, err
		}
		var err error
		if repo, err = g.open(); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	remote := git.NewRemote(repo.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{g.opts.URL}})
	err := remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"},
		Auth:     auth,
		Tags:     git.NoTags,
		Force:    true,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("fetch all branches and tags: %w", err)
	}
	if !hasCommit(repo, h) {
		return plumbing.ZeroHash, fmt.Errorf("commit %s is not reachable from any branch or tag of the remote", h)
	}
	return h, nil
}

// pickRef finds the configured ref among the advertised ones. A short name
// is tried as a branch, then as a tag (git's own order). For an annotated
// tag the peeled commit is returned when the server advertises it, so a
// present commit short-circuits the fetch.
func pickRef(refs []*plumbing.Reference, want string) (plumbing.ReferenceName, plumbing.Hash, error) {
	byName := make(map[string]plumbing.Hash, len(refs))
	for _, r := range refs {
		if r.Type() == plumbing.HashReference {
			byName[r.Name().String()] = r.Hash()
		}
	}
	candidates := []string{want}
	if !strings.HasPrefix(want, "refs/") && want != "HEAD" {
		candidates = []string{"refs/heads/" + want, "refs/tags/" + want}
	}
	for _, c := range candidates {
		h, ok := byName[c]
		if !ok {
			continue
		}
		if peeled, ok := byName[c+"^{}"]; ok {
			return plumbing.ReferenceName(c), peeled, nil
		}
		return plumbing.ReferenceName(c), h, nil
	}
	return "", plumbing.ZeroHash, fmt.Errorf("ref %q not found on the remote (no branch or tag of that name)", want)
}

// localRefName is where a fetched ref is stored in the bare clone.
func localRefName(remote plumbing.ReferenceName) plumbing.ReferenceName {
	if remote.IsBranch() {
		return plumbing.NewRemoteReferenceName("origin", remote.Short())
	}
	if remote == plumbing.HEAD {
		return plumbing.ReferenceName("refs/remotes/origin/HEAD")
	}
	return remote
}

func hasObject(repo *git.Repository, h plumbing.Hash) bool {
	return repo.Storer.HasEncodedObject(h) == nil
}

func hasCommit(repo *git.Repository, h plumbing.Hash) bool {
	_, err := repo.CommitObject(h)
	return err == nil
}

func isShallow(repo *git.Repository) bool {
	s, err := repo.Storer.Shallow()
	return err == nil && len(s) > 0
}
