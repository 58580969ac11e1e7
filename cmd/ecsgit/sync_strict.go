package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
)

// strictEngine gives the daemon's --strict the meaning it has in plan: besides
// validation warnings (which the pipeline already refuses with Strict), a revision with
// a field not translated exactly is invalid. Like any invalid revision it is not
// applied: the last good state stays deployed and /v1/status lists the fields.
type strictEngine struct {
	syncloop.SyncEngine
}

// withStrict wraps engine when --strict is set.
func withStrict(engine syncloop.SyncEngine, strict bool) syncloop.SyncEngine {
	if !strict {
		return engine
	}
	return strictEngine{engine}
}

// Plan implements syncloop.SyncEngine.
func (e strictEngine) Plan(ctx context.Context, pass reconcile.Pass) (*reconcile.Planned, error) {
	p, err := e.SyncEngine.Plan(ctx, pass)
	if err != nil {
		return nil, err
	}
	lines := fidelityLines(p.Plan)
	if len(lines) == 0 {
		return p, nil
	}
	// Paths inside the repository: the checkout directory is a cache path nobody can
	// open from a status page.
	prefix := filepath.Clean(pass.Dir) + string(filepath.Separator)
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, prefix, "")
	}
	return nil, &reconcile.InvalidRevisionError{Revision: pass.Revision, Diagnostics: lines}
}
