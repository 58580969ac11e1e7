package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// IdentityPin is the ownership identity of a running daemon, resolved once before it
// acts and never changed by a commit (fault trial D3): --source, else the `source` of
// ecsgit.yaml in the first revision the daemon sees, else spec.DefaultSource. The HA
// lock, the drift watcher and planning all use the resolved value. A later commit whose
// ecsgit.yaml would resolve another identity (a new `source:`, or one deleted) is
// refused like a namespace change: adopting it means restarting the daemon.
type IdentityPin struct {
	// Flag is --source ("" when not given).
	Flag   string
	Source source.Source
	Logger *slog.Logger

	mu       sync.Mutex
	resolved string
	from     string // "--source", "ecsgit.yaml" or "default"
}

// Resolve returns the identity, reading the source's newest revision the first time.
// It retries (1 s doubling to 30 s) until a revision can be read or ctx ends: a daemon
// that cannot tell whose jobs it manages must not act, nor take a lock.
func (p *IdentityPin) Resolve(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resolved != "" {
		return p.resolved, nil
	}
	if p.Flag != "" {
		p.resolved, p.from = p.Flag, "--source"
		return p.resolved, nil
	}
	for delay := time.Second; ; delay = min(2*delay, 30*time.Second) {
		cfg, err := p.readConfig(ctx)
		if err == nil {
			id, explicit := spec.ResolveSource("", cfg)
			p.resolved, p.from = id, "ecsgit.yaml"
			if !explicit {
				p.from = "default"
			}
			p.logger().Info("sync: ownership identity pinned", "source", id, "from", p.from)
			return id, nil
		}
		p.logger().Warn("sync: cannot read the repository to resolve the ownership identity; retrying", "err", err, "retry_in", delay)
		if err := wait.Sleep(ctx, delay); err != nil {
			return "", err
		}
	}
}

func (p *IdentityPin) readConfig(ctx context.Context) (spec.Config, error) {
	rev, err := p.Source.Fetch(ctx)
	if err != nil {
		return spec.Config{}, err
	}
	dir, err := p.Source.Checkout(ctx, rev)
	if err != nil {
		return spec.Config{}, err
	}
	cfg, diags := spec.LoadConfig(dir)
	if diags.HasErrors(false) {
		return spec.Config{}, fmt.Errorf("commit %s: %s", rev.Short(), diags[0].String())
	}
	return cfg, nil
}

// check refuses a revision whose configuration would change the pinned identity. A pin
// not resolved yet (a loop run without Daemon) checks nothing.
func (p *IdentityPin) check(cfg spec.Config) string {
	p.mu.Lock()
	id, from := p.resolved, p.from
	p.mu.Unlock()
	if id == "" {
		return ""
	}
	got, _ := spec.ResolveSource(p.Flag, cfg)
	switch {
	case cfg.Source != "" && cfg.Source != id:
		return fmt.Sprintf("%s: error: ecsgit.yaml sets source %q, but this daemon's ownership identity is %q (from %s, pinned at start); ownership does not change with a commit: restart ecsgit sync with --source %s to adopt it",
			spec.ConfigFileName, cfg.Source, id, from, cfg.Source)
	case got != id:
		return fmt.Sprintf("%s: error: this commit removes `source: %s` from ecsgit.yaml, which would make the jobs' owner %q; the daemon keeps its identity %q (pinned at start): put the line back, or restart ecsgit sync with --source to change the identity",
			spec.ConfigFileName, id, got, id)
	}
	return ""
}

func (p *IdentityPin) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}
