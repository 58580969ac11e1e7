package traffictest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// TestRollingUpdateBehindLoadBalancerDropsNoRequest: a service of 2 tasks behind the
// load balancer is rolled from version 1 to 2 while a client sends 50 requests/s to the
// listener for the whole rollout: not one request fails, for (100, 200) (canaries,
// routed only once promoted) and for (50, 100) (one task stopped, then replaced). A
// stopping task leaves the proxy first: its service is deregistered, then the task
// waits the deregistration delay (5 s, shutdown_delay) before it gets SIGTERM.
func TestRollingUpdateBehindLoadBalancerDropsNoRequest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max int
	}{{"100-200", 100, 200}, {"50-100", 50, 100}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := ctxFor(t, 6*time.Minute)
			r := repo{
				Services:     []service{{Name: "web", Count: 2, Min: tc.min, Max: tc.max, TG: "web-tg"}},
				TargetGroups: []targetGroup{{Name: "web-tg", Delay: 5}},
				DefaultTG:    "web-tg",
			}
			h.mustApply(ctx, t, r)
			url := h.proxy.ListenerURL(t, 80) + "/"
			waitServed(t, url, "1", time.Minute)

			loadCtx, stopLoad := context.WithCancel(ctx)
			done := make(chan *LoadResult)
			go func() { done <- Load(loadCtx, url, 50) }()
			time.Sleep(2 * time.Second) // load before the rollout starts
			r.Services[0].Image = nomadtest.ImageV2
			start := time.Now()
			h.mustApply(ctx, t, r)
			t.Logf("rollout applied in %s", time.Since(start).Round(time.Second))
			// The old tasks stop after the deployment: keep the load on until the proxy
			// serves version 2 only, and a little longer.
			waitOnlyVersion(t, url, "2", time.Minute)
			time.Sleep(3 * time.Second)
			stopLoad()
			res := <-done
			t.Logf("load: %s", res)
			if res.Failed > 0 {
				t.Errorf("%d of %d requests failed during the rollout; first failures:\n%v", res.Failed, res.Sent, res.Failures)
			}
			if res.Versions["1"] == 0 || res.Versions["2"] == 0 {
				t.Errorf("want answers of both versions during the rollout, got %v", res.Versions)
			}
			if res.Sent < 50*10 {
				t.Errorf("only %d requests sent: the load did not cover the rollout", res.Sent)
			}
			h.checkDeregistrationDelay(t, "web", 5*time.Second)
		})
	}
}

// checkDeregistrationDelay: every stopped task of job waited delay between Nomad's
// "Waiting for shutdown delay" (its service is deregistered at that point) and its
// termination.
func (h *harness) checkDeregistrationDelay(t *testing.T, job string, delay time.Duration) {
	t.Helper()
	// The old tasks may still be in their delay when the rollout is over.
	var allocs []*api.AllocationListStub
	nomadtest.Eventually(t, 30*time.Second+delay, func() error {
		var err error
		if allocs, _, err = h.env.Client.Jobs().Allocations(job, true, h.env.QueryOptions()); err != nil {
			return err
		}
		for _, a := range allocs {
			if a.DesiredStatus == "stop" && (a.ClientStatus == "running" || a.ClientStatus == "pending") {
				return fmt.Errorf("task %s is still stopping", a.ID[:8])
			}
		}
		return nil
	})
	stopped := 0
	for _, stub := range allocs {
		if stub.DesiredStatus != "stop" {
			continue
		}
		a, _, err := h.env.Client.Allocations().Info(stub.ID, h.env.QueryOptions())
		if err != nil {
			t.Fatal(err)
		}
		st := a.TaskStates["app"]
		if st == nil {
			continue
		}
		var waiting, terminated int64
		for _, ev := range st.Events {
			switch ev.Type {
			case "Waiting for shutdown delay":
				waiting = ev.Time
			case "Terminated":
				terminated = ev.Time
			}
		}
		stopped++
		if waiting == 0 || terminated == 0 {
			t.Errorf("stopped task %s: no shutdown-delay wait before its termination (events %v)", stub.ID[:8], eventTypes(st.Events))
			continue
		}
		if got := time.Duration(terminated - waiting); got < delay-500*time.Millisecond {
			t.Errorf("stopped task %s terminated %s after its deregistration, want the %s deregistration delay", stub.ID[:8], got, delay)
		}
	}
	if stopped == 0 {
		t.Error("no stopped task to check the deregistration delay on")
	}
}

func eventTypes(evs []*api.TaskEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// waitOnlyVersion waits until 20 answers in a row are of version.
func waitOnlyVersion(t *testing.T, url, version string, timeout time.Duration) {
	t.Helper()
	client := nomadtestHTTP()
	deadline := time.Now().Add(timeout)
	for streak := 0; streak < 20; {
		v, err := get(client, url)
		if err == nil && v == version {
			streak++
		} else {
			streak = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still serves other versions than %s after %s", url, version, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
