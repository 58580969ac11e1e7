package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// gitFlags select a Git repository as the desired state: the same flags for plan, apply
// and sync, so a pipeline can switch between them without relearning anything.
type gitFlags struct {
	Repo, Ref, Path, CacheDir      string
	TokenEnv, TokenFile, TokenUser string
	SSHKey, KnownHosts             string
	// FullHistory: fetch whole history, not depth 1 (sync's default; see --shallow-clone).
	FullHistory bool
}

func (g *gitFlags) add(f *pflag.FlagSet) {
	f.StringVar(&g.Repo, "repo", "", "Git repository URL to read (https://, ssh://, file://) instead of a directory")
	f.StringVar(&g.Ref, "ref", "main", "with --repo: branch, tag or commit SHA")
	f.StringVar(&g.Path, "path", "", "with --repo: directory inside the repository holding the definitions")
	f.StringVar(&g.CacheDir, "cache-dir", "", "with --repo: clone cache directory (default: the user cache dir)")
	f.StringVar(&g.TokenEnv, "token-env", "", "with --repo: environment variable holding an HTTPS token")
	f.StringVar(&g.TokenFile, "token-file", "", "with --repo: file holding an HTTPS token (re-read on every fetch)")
	f.StringVar(&g.TokenUser, "token-user", source.DefaultTokenUser, "with --repo: basic-auth user sent with the token (GitLab: oauth2)")
	f.StringVar(&g.SSHKey, "ssh-key", "", "with --repo: SSH private key file")
	f.StringVar(&g.KnownHosts, "known-hosts", "", "with --repo: SSH known_hosts file")
}

func (g *gitFlags) source() (*source.Git, error) {
	return source.NewGit(source.GitOptions{URL: g.Repo, Ref: g.Ref, Path: g.Path, CacheDir: g.CacheDir, FullHistory: g.FullHistory,
		Auth: source.Auth{TokenEnv: g.TokenEnv, TokenFile: g.TokenFile, Username: g.TokenUser, SSHKey: g.SSHKey, KnownHosts: g.KnownHosts}})
}

// repoSnapshot is a directory to load and where it came from.
type repoSnapshot struct {
	Dir string
	// Label is what a plan names as its source: the directory, or the redacted URL with
	// the ref and path.
	Label string
	// Commit is the commit the snapshot is (nil for a directory outside Git).
	Commit *nomadbackend.Commit
}

// snapshotRepo resolves what plan and apply read: with --repo, a fresh checkout of --path
// at --ref (credentials never appear in the label or in errors); otherwise dir, with its
// HEAD commit when dir is a Git work tree.
func snapshotRepo(ctx context.Context, dir string, dirGiven bool, g *gitFlags) (repoSnapshot, error) {
	if g.Repo == "" {
		snap := repoSnapshot{Dir: dir, Label: dir}
		if local, err := source.Local(dir); err == nil {
			if rev, err := local.Fetch(ctx); err == nil && rev.SHA != "" {
				snap.Commit = reconcile.CommitOf(rev)
			}
		}
		return snap, nil
	}
	if dirGiven {
		return repoSnapshot{}, usageError{errors.New("give either a directory or --repo, not both")}
	}
	src, err := g.source()
	if err != nil {
		return repoSnapshot{}, usageError{err}
	}
	rev, err := src.Fetch(ctx)
	if err != nil {
		return repoSnapshot{}, fmt.Errorf("fetch %s: %w", src.Describe(), err)
	}
	checkout, err := src.Checkout(ctx, rev)
	if err != nil {
		return repoSnapshot{}, fmt.Errorf("check out %s at %s: %w", src.Describe(), rev.Short(), err)
	}
	label := source.Redact(g.Repo) + "@" + rev.Short()
	if g.Path != "" {
		label += " path " + g.Path
	}
	return repoSnapshot{Dir: checkout, Label: label, Commit: reconcile.CommitOf(rev)}, nil
}
