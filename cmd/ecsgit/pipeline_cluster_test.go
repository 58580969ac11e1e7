package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestDaemonPassAndPlanAgree: for the same repository and cluster state, the plan the
// sync daemon computes for a pass (syncEngine, exactly as runSync builds it) and the
// plan `ecsgit plan` prints are the same plan, in both drift modes. The cluster state
// has a drifted job, so the drift mode decides the plan: with --drift report both skip
// the service, with correct both update it. (Before, the daemon turned the update into a
// skip after planning, and `ecsgit plan` had no way to show that plan.)
func TestDaemonPassAndPlanAgree(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Image: "ecsgit-demo/app:1", Count: 1}).Write(t, dir)
	if code, out, errOut := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	// Drift: someone scales the job outside ecsgit.
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	*job.TaskGroups[0].Count = 2
	if _, _, err := e.Client.Jobs().Register(job, e.WriteOptions()); err != nil {
		t.Fatal(err)
	}
	// Both plans must see the same cluster state: wait until the scale-out settled
	// (Nomad's dry-run counts a still-pending allocation differently).
	e.WaitHealthy("web", 2, 2*time.Minute)

	for _, tc := range []struct {
		drift string
		want  plan.Action
	}{{"report", plan.ActionSkip}, {"correct", plan.ActionUpdate}} {
		t.Run(tc.drift, func(t *testing.T) {
			code, out, errOut := e.run(t, "plan", "--output", "json", "--drift", tc.drift, dir)
			if code != exitOK {
				t.Fatalf("plan: exit %d\n%s", code, errOut)
			}
			cli := decodePlan(t, []byte(out))

			src, err := source.Local(dir)
			if err != nil {
				t.Fatal(err)
			}
			rev, err := src.Fetch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkout, err := src.Checkout(ctx, rev)
			if err != nil {
				t.Fatal(err)
			}
			identity := &reconcile.IdentityPin{Source: src}
			if _, err := identity.Resolve(ctx); err != nil {
				t.Fatal(err)
			}
			engine := syncEngine(e.Backend, &syncOptions{Namespace: e.Namespace, Drift: tc.drift, FileCache: true}, src, identity)
			planned, err := engine.Plan(ctx, reconcile.Pass{Dir: checkout, Revision: rev})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := plan.Render(&buf, planned.Plan, plan.FormatJSON, plan.RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			daemon := decodePlan(t, buf.Bytes())

			// What names the pass differs by design: when it was made, the label (the
			// directory given vs the daemon's source description), and the file names in
			// positions (the daemon names files inside the repository: its checkouts are
			// cache directories, spec.LoadOptions.RelativeNames).
			cli.CreatedAt, cli.Source = daemon.CreatedAt, daemon.Source
			inRepo := cmp.Comparer(func(a, b spec.Pos) bool {
				a.File = strings.TrimPrefix(a.File, dir+string(filepath.Separator))
				b.File = strings.TrimPrefix(b.File, dir+string(filepath.Separator))
				return a == b
			})
			if diff := cmp.Diff(cli, daemon, inRepo); diff != "" {
				t.Errorf("ecsgit plan and the daemon's pass differ (-plan +daemon):\n%s", diff)
			}
			if len(daemon.Services) != 1 || daemon.Services[0].Action != tc.want || !daemon.Services[0].Drifted {
				t.Errorf("drift %s: services %+v, want web drifted with action %s", tc.drift, daemon.Services, tc.want)
			}
		})
	}
}

func decodePlan(t *testing.T, b []byte) *plan.Plan {
	t.Helper()
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode plan JSON: %v\n%s", err, b)
	}
	return &p
}
