package nomadjob

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestTranslateOnCluster registers the translated example services on the real test
// cluster, waits until their deployments are healthy (checks passing), then asks Nomad
// to plan the very same translation: the diff must be "None", or every sync would
// register (and possibly restart) an unchanged service.
func TestTranslateOnCluster(t *testing.T) {
	env := nomadtest.Cluster(t)
	nomadtest.RequireDemoImages(t)
	c, ns := env.Client, env.Namespace
	d := repotest.Load(t, filepath.Join("..", "..", "..", "examples", "gitops"))
	d.Config.Namespace = ns
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	for _, svc := range d.Services {
		t.Run(svc.ServiceName, func(t *testing.T) {
			tr, err := Translate(d, svc, TranslateOptions{Source: "test/examples/gitops"})
			if err != nil {
				t.Fatal(err)
			}
			w := (&api.WriteOptions{Namespace: ns}).WithContext(ctx)
			resp, _, err := c.Jobs().Register(tr.Job, w)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			if resp.Warnings != "" {
				t.Logf("register warnings: %s", resp.Warnings)
			}
			waitDeploymentSuccessful(ctx, t, c, ns, *tr.Job.ID)
			if tr.Rollout.Mechanism == "" {
				t.Error("no rollout mechanism")
			}
			assertNomadCheck(ctx, t, c, ns, tr.Job)

			again, err := Translate(d, svc, TranslateOptions{Source: "test/examples/gitops"})
			if err != nil {
				t.Fatal(err)
			}
			plan, _, err := c.Jobs().Plan(again.Job, true, w)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if plan.Diff == nil || plan.Diff.Type != diffNone {
				t.Errorf("plan of an unchanged translation: diff %s, want None\n%s", diffType(plan.Diff), describeDiff(plan.Diff))
			}
		})
	}
}

// waitDeploymentSuccessful polls the job's latest deployment until it succeeds.
func waitDeploymentSuccessful(ctx context.Context, t *testing.T, c *api.Client, ns, jobID string) {
	t.Helper()
	q := (&api.QueryOptions{Namespace: ns}).WithContext(ctx)
	last := ""
	for {
		dep, _, err := c.Jobs().LatestDeployment(jobID, q)
		if err == nil && dep != nil {
			last = dep.Status + ": " + dep.StatusDescription
			switch dep.Status {
			case api.DeploymentStatusSuccessful:
				return
			case api.DeploymentStatusFailed, api.DeploymentStatusCancelled:
				t.Fatalf("deployment of %s: %s", jobID, last)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment of %s not successful in time (last: %s)", jobID, last)
		case <-time.After(time.Second):
		}
	}
}

// assertNomadCheck checks that every task with a check registered a Nomad-native
// service whose allocation checks are passing.
func assertNomadCheck(ctx context.Context, t *testing.T, c *api.Client, ns string, job *api.Job) {
	t.Helper()
	want := 0
	for _, task := range job.TaskGroups[0].Tasks {
		for _, s := range task.Services {
			if s.Provider != "nomad" || len(s.Checks) == 0 {
				t.Errorf("task %s: service %s is not a Nomad-native checked service", task.Name, s.Name)
			}
			want++
		}
	}
	if want == 0 {
		return
	}
	q := (&api.QueryOptions{Namespace: ns}).WithContext(ctx)
	regs, _, err := c.Jobs().Services(*job.ID, q)
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	if len(regs) == 0 {
		t.Fatalf("job %s registered no Nomad services", *job.ID)
	}
	allocs, _, err := c.Jobs().Allocations(*job.ID, false, q)
	if err != nil {
		t.Fatalf("allocations: %v", err)
	}
	for _, a := range allocs {
		if a.ClientStatus != api.AllocClientStatusRunning {
			continue
		}
		checks, err := c.Allocations().Checks(a.ID, q)
		if err != nil {
			t.Fatalf("alloc checks: %v", err)
		}
		for _, st := range checks {
			if st.Status != "success" {
				t.Errorf("alloc %s check %s: %s (%s)", a.ID[:8], st.Check, st.Status, st.Output)
			}
		}
		if len(checks) == 0 {
			t.Errorf("alloc %s has no Nomad check results", a.ID[:8])
		}
	}
}

func diffType(d *api.JobDiff) string {
	if d == nil {
		return "<nil>"
	}
	return d.Type
}

// describeDiff lists the changed fields of a job diff, for test failure messages.
func describeDiff(d *api.JobDiff) string {
	if d == nil {
		return ""
	}
	var out string
	var objs func(prefix string, os []*api.ObjectDiff)
	fields := func(prefix string, fs []*api.FieldDiff) {
		for _, f := range fs {
			if f.Type != diffNone {
				out += prefix + f.Name + ": " + f.Old + " → " + f.New + " (" + f.Type + ")\n"
			}
		}
	}
	objs = func(prefix string, os []*api.ObjectDiff) {
		for _, o := range os {
			if o.Type != diffNone {
				fields(prefix+o.Name+".", o.Fields)
				objs(prefix+o.Name+".", o.Objects)
			}
		}
	}
	fields("", d.Fields)
	objs("", d.Objects)
	for _, tg := range d.TaskGroups {
		fields("group "+tg.Name+": ", tg.Fields)
		objs("group "+tg.Name+": ", tg.Objects)
		for _, task := range tg.Tasks {
			fields("task "+task.Name+": ", task.Fields)
			objs("task "+task.Name+": ", task.Objects)
		}
	}
	return out
}

// TestTranslatePlanIsStable registers the translation of every golden case (placeable
// or not: registration validates the job, placement does not matter here) and plans it
// again: every mapping must come back from Nomad's canonicalisation unchanged, so that
// "no change" never shows as a diff.
func TestTranslatePlanIsStable(t *testing.T) {
	env := nomadtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := (&api.WriteOptions{Namespace: env.Namespace}).WithContext(ctx)
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			d := repotest.Load(t, filepath.Join("testdata", "translate", tc.name))
			d.Config.Namespace = env.Namespace
			tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test"})
			if err != nil {
				t.Fatal(err)
			}
			resp, _, err := env.Client.Jobs().Register(tr.Job, w)
			if err != nil {
				t.Fatalf("register (%s): %v", tc.reason, err)
			}
			if resp.Warnings != "" {
				t.Logf("warnings: %s", resp.Warnings)
			}
			plan, _, err := env.Client.Jobs().Plan(tr.Job, true, w)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if plan.Diff == nil || plan.Diff.Type != diffNone {
				t.Errorf("unchanged translation plans as %s:\n%s", diffType(plan.Diff), describeDiff(plan.Diff))
			}
		})
	}
}

// diffNone is Nomad's "no change" diff type (nomadbackend.DiffNone; nomadjob cannot
// import the cluster side, which imports it).
const diffNone = "None"
