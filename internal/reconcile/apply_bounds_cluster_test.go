package reconcile

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestApplyRolloutBounds rolls 4 tasks from app:1 to app:2 for each (min%, max%) class,
// samples the allocations every ~200 ms and checks ECS's bounds (decision 7) at every
// sample for the classes the translation declares exact. The observed extremes of every
// class are logged for docs/rollouts.md.
func TestApplyRolloutBounds(t *testing.T) {
	classes := []struct{ min, max int }{{100, 200}, {50, 100}, {0, 100}, {50, 150}, {100, 150}}
	for _, c := range classes {
		t.Run(fmt.Sprintf("min%d-max%d", c.min, c.max), func(t *testing.T) {
			t.Parallel()
			e := newApplyEnv(t)
			ctx := applyCtx(t, 5*time.Minute)
			dir := t.TempDir()
			svc := repotest.Service{Name: "web", Count: 4, MinHealthyPercent: new(c.min), MaxPercent: new(c.max)}
			e.mustApply(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))

			svc.Image = "ecsgit-demo/app:2"
			p := e.plan(ctx, t, repotest.New(e.Namespace, svc).WriteLoad(t, dir))
			ro := planOf(t, p.Plan, "web").Rollout
			live, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
			if err != nil {
				t.Fatal(err)
			}
			s := &boundsSampler{newVersion: *live.Version + 1}
			sctx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Go(func() { s.run(sctx, t, e) })
			res := e.apply(ctx, t, p)
			stop()
			wg.Wait()
			if r := result(t, res, "web"); r.Status != StatusApplied {
				t.Fatalf("rollout: %+v", r)
			}
			if img := e.liveImage(t, "web"); img != "ecsgit-demo/app:2" {
				t.Fatalf("live image %s", img)
			}
			t.Logf("ROLLOUT-BOUNDS class=(%d,%d) mechanism=%q exact=%v declared=[healthy>=%d running<=%d] observed=[min healthy %d, max running %d] samples=%d worst=%q",
				c.min, c.max, ro.Mechanism, ro.Exact, ro.MinHealthy, ro.MaxRunning, s.minHealthy, s.maxRunning, s.samples, ro.WorstCase)
			if s.samples < 10 {
				t.Fatalf("only %d samples: the rollout was not observed", s.samples)
			}
			if ro.Exact {
				if s.minHealthy < ro.MinHealthy {
					t.Errorf("healthy dropped to %d (< %d) at %s", s.minHealthy, ro.MinHealthy, s.minAt)
				}
				if s.maxRunning > ro.MaxRunning {
					t.Errorf("running+starting reached %d (> %d) at %s", s.maxRunning, ro.MaxRunning, s.maxAt)
				}
			}
		})
	}
}

// boundsSampler records the extremes of healthy and running+starting allocations.
//
//	healthy          = ClientStatus running AND (new version: DeploymentStatus.Healthy;
//	                   old version: running)
//	running+starting = DesiredStatus run AND ClientStatus pending|running
type boundsSampler struct {
	newVersion             uint64
	samples                int
	minHealthy, maxRunning int
	minAt, maxAt           string
}

func (s *boundsSampler) run(ctx context.Context, t *testing.T, e *applyEnv) {
	s.minHealthy = 1 << 30
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		allocs, _, err := e.Client.Jobs().Allocations("web", false, e.QueryOptions())
		if err == nil {
			h, r := countAllocs(allocs, s.newVersion)
			s.samples++
			at := fmt.Sprintf("sample %d (%s)", s.samples, describeAllocs(allocs))
			if h < s.minHealthy {
				s.minHealthy, s.minAt = h, at
			}
			if r > s.maxRunning {
				s.maxRunning, s.maxAt = r, at
			}
		} else if ctx.Err() == nil {
			t.Logf("sample: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func countAllocs(allocs []*api.AllocationListStub, newVersion uint64) (healthy, running int) {
	for _, a := range allocs {
		if a.DesiredStatus == "run" && (a.ClientStatus == "pending" || a.ClientStatus == "running") {
			running++
		}
		if a.ClientStatus != "running" {
			continue
		}
		if a.JobVersion < newVersion {
			healthy++
		} else if a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil && *a.DeploymentStatus.Healthy {
			healthy++
		}
	}
	return healthy, running
}

func describeAllocs(allocs []*api.AllocationListStub) string {
	s := ""
	for _, a := range allocs {
		h := "?"
		if a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil {
			h = fmt.Sprint(*a.DeploymentStatus.Healthy)
		}
		s += fmt.Sprintf("[v%d %s/%s healthy=%s]", a.JobVersion, a.DesiredStatus, a.ClientStatus, h)
	}
	return s
}
