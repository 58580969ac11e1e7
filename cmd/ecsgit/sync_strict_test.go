package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// fakeEngine returns a fixed plan.
type fakeEngine struct {
	syncloop.SyncEngine
	planned *reconcile.Planned
}

func (f fakeEngine) Plan(context.Context, reconcile.Pass) (*reconcile.Planned, error) {
	return f.planned, nil
}

// sync --strict refuses what plan --strict refuses: a revision with a field that is not
// translated exactly is invalid (not applied), with the field named relative to the
// repository; an exact plan passes, and without --strict nothing changes.
func TestSyncStrictFidelity(t *testing.T) {
	dir := t.TempDir()
	rev := source.Revision{SHA: "0123456789abcdef"}
	approx := &reconcile.Planned{Plan: &plan.Plan{Services: []plan.ServicePlan{{Service: "web", Fidelity: []spec.FidelityNote{
		{Field: "containerDefinitions[log].essential", Level: spec.FidelityApproximate, Detail: "sidecar", Rule: "FID-NOMAD-SIDECAR",
			Pos: spec.Pos{File: filepath.Join(dir, "web-taskdef.json"), Line: 3, Col: 5}},
	}}}}}
	exact := &reconcile.Planned{Plan: &plan.Plan{Services: []plan.ServicePlan{{Service: "web"}}}}

	_, err := withStrict(fakeEngine{planned: approx}, true).Plan(context.Background(), reconcile.Pass{Dir: dir, Revision: rev})
	var inv *reconcile.InvalidRevisionError
	if !errors.As(err, &inv) || len(inv.Diagnostics) != 1 {
		t.Fatalf("--strict with an approximate field: %v, want an invalid revision", err)
	}
	if want := "web-taskdef.json:3:5: web: approximate: containerDefinitions[log].essential: sidecar [FID-NOMAD-SIDECAR]"; inv.Diagnostics[0] != want {
		t.Errorf("diagnostic %q, want %q", inv.Diagnostics[0], want)
	}
	if p, err := withStrict(fakeEngine{planned: exact}, true).Plan(context.Background(), reconcile.Pass{Dir: dir, Revision: rev}); err != nil || p != exact {
		t.Errorf("--strict with an exact plan: %v", err)
	}
	if p, err := withStrict(fakeEngine{planned: approx}, false).Plan(context.Background(), reconcile.Pass{Dir: dir, Revision: rev}); err != nil || p != approx {
		t.Errorf("without --strict: %v", err)
	}
}
