package source

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// CommitCounter is implemented by sources that keep history: the daemon's status says
// how many commits the deployed revision is behind the newest one.
type CommitCounter interface {
	// CommitsBetween counts the commits reachable from to but not from from, like
	// `git rev-list --count from..to`.
	CommitsBetween(ctx context.Context, from, to string) (int, error)
}

// maxCountedCommits bounds the walk: a status needs "many", not an exact large number.
const maxCountedCommits = 10_000

// CommitsBetween implements CommitCounter over the clone, along first parents (`git
// rev-list --first-parent --count from..to`: a merge counts once, as a branch's history
// reads). It fails when from is not on that chain in the clone (a shallow clone, a
// force-push) or more than maxCountedCommits away.
func (g *Git) CommitsBetween(ctx context.Context, from, to string) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if from == to {
		return 0, nil
	}
	repo, err := g.open()
	if err != nil {
		return 0, err
	}
	c, err := repo.CommitObject(plumbing.NewHash(to))
	if err != nil {
		return 0, fmt.Errorf("count commits: %w", err)
	}
	stop := plumbing.NewHash(from)
	for n := 0; n <= maxCountedCommits; n++ {
		if c.Hash == stop {
			return n, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if c.NumParents() == 0 {
			break
		}
		if c, err = c.Parent(0); err != nil {
			return 0, fmt.Errorf("count commits: %w", err)
		}
	}
	return 0, fmt.Errorf("count commits: %.12s is not within %d first-parent commits of %.12s in the clone", from, maxCountedCommits, to)
}
