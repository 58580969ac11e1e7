package reconcile

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// applyForTest does what apply does, minimally: register each created or updated job at
// the planned index, wait for its evaluation, assign the revision and write the record.
func applyForTest(ctx context.Context, t testing.TB, b *nomadbackend.Client, p *Planned) {
	t.Helper()
	for _, sp := range p.Plan.Services {
		ps := p.Services[sp.JobID]
		if sp.Action != plan.ActionCreate && sp.Action != plan.ActionUpdate {
			continue
		}
		job := ps.Translation.Job
		ns := *job.Namespace
		modifyIndex := nomadbackend.JobModifyIndexOf(ps.Live)
		if sp.NomadDiffType != string(nomadbackend.DiffNone) {
			evalID, idx, err := b.Register(ctx, nomadbackend.WrapJob(job), sp.JobModifyIndex)
			if err != nil {
				t.Fatalf("apply %s: %v", sp.JobID, err)
			}
			waitEval(ctx, t, b, ns, evalID)
			modifyIndex = idx
		}
		live, err := b.ReadJob(ctx, ns, sp.JobID)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := b.AssignRevision(ctx, ns, ps.TaskDefinition.Family, ps.ContentHash)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.UpdateServiceRecord(ctx, ns, sp.JobID, func(r *nomadbackend.ServiceRecord) error {
			r.Source, r.Family, r.Revision, r.SpecHash = sourceOf(job), ps.TaskDefinition.Family, rev, ps.Translation.SpecHash
			r.TaskDefinition, _ = nomadbackend.CanonicalJSON(&ps.TaskDefinition.TaskDefinition)
			r.Service, _ = nomadbackend.CanonicalJSON(&ps.Service.Service)
			r.JobModifyIndex, r.JobVersion = modifyIndex, nomadbackend.JobVersionOf(live)
			r.Outcome, r.AppliedAt, r.AppliedBy = nomadbackend.OutcomeSucceeded, time.Now(), "test"
			r.AddHistory(nomadbackend.HistoryEntry{Revision: rev, Time: r.AppliedAt, Who: "test", Outcome: r.Outcome})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func sourceOf(job *api.Job) string { return job.Meta[nomadjob.MetaSource] }

func waitEval(ctx context.Context, t testing.TB, b *nomadbackend.Client, ns, id string) {
	t.Helper()
	for {
		ev, _, err := nomadtest.ClientAt(t, b.Address()).Evaluations().Info(id, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			t.Fatalf("eval %s: %v", id, err)
		}
		if ev.Status != "pending" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("eval %s: %v", id, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitDeployment waits for the job's latest deployment to be successful.
func waitDeployment(ctx context.Context, t testing.TB, b *nomadbackend.Client, ns, id string) {
	t.Helper()
	for {
		d, _, err := nomadtest.ClientAt(t, b.Address()).Jobs().LatestDeployment(id, (&api.QueryOptions{Namespace: ns}).WithContext(ctx))
		if err != nil {
			t.Fatalf("deployment of %s: %v", id, err)
		}
		if d == nil || d.Status == "successful" {
			return
		}
		if d.Status == "failed" || d.Status == "cancelled" {
			t.Fatalf("deployment of %s: %s (%s)", id, d.Status, d.StatusDescription)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment of %s: %v (last %s)", id, ctx.Err(), d.Status)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// clusterBackend gives the test the shared test cluster (nomadtest) and a fresh namespace.
func clusterBackend(t testing.TB) (*nomadbackend.Client, string) {
	t.Helper()
	env := nomadtest.Cluster(t)
	cfg := api.DefaultConfig()
	cfg.Address = env.Addr
	b, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Records are Nomad Variables, which nomadtest does not know about; a namespace with
	// variables cannot be deleted. Cleanups run last-in first-out: this one runs first.
	t.Cleanup(func() {
		w := &api.WriteOptions{Namespace: env.Namespace}
		vars, _, _ := nomadtest.ClientAt(t, b.Address()).Variables().List(&api.QueryOptions{Namespace: env.Namespace})
		for _, v := range vars {
			_, _ = nomadtest.ClientAt(t, b.Address()).Variables().Delete(v.Path, w)
		}
	})
	return b, env.Namespace
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustPlan(ctx context.Context, t testing.TB, d *spec.Desired, b *nomadbackend.Client, opts PlanOptions) *Planned {
	t.Helper()
	if opts.Source == "" {
		opts.Source = "test-repo"
	}
	p, err := ComputePlanned(ctx, d, b, opts)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func describe(sp plan.ServicePlan) string {
	b, _ := json.MarshalIndent(sp, "", "  ")
	return string(b)
}
