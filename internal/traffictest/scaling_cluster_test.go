package traffictest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// countSampler samples a job's group count every 250 ms and keeps every change.
type countSampler struct {
	mu      sync.Mutex
	changes []countAt
	cancel  context.CancelFunc
	done    chan struct{}
}

type countAt struct {
	at    time.Time
	count int
}

func (h *harness) sampleCount(t *testing.T, job string) *countSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &countSampler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		last := -1
		for ctx.Err() == nil {
			j, _, err := h.env.Client.Jobs().Info(job, h.env.QueryOptions())
			if err == nil && j.TaskGroups[0].Count != nil && *j.TaskGroups[0].Count != last {
				last = *j.TaskGroups[0].Count
				s.mu.Lock()
				s.changes = append(s.changes, countAt{time.Now(), last})
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-s.done })
	return s
}

func (s *countSampler) last() countAt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.changes) == 0 {
		return countAt{count: -1}
	}
	return s.changes[len(s.changes)-1]
}

func (s *countSampler) waitFor(t *testing.T, what string, timeout time.Duration, ok func(int) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c := s.last(); c.count >= 0 && ok(c.count) {
			return c.at
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("count did not reach %s within %s (history %s)", what, timeout, s.history())
	return time.Time{}
}

func (s *countSampler) history() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, c := range s.changes {
		parts = append(parts, fmt.Sprintf("%d@%s", c.count, c.at.Format("15:04:05")))
	}
	return strings.Join(parts, " ")
}

func (s *countSampler) assertWithin(t *testing.T, min, max int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.changes {
		if c.count < min || c.count > max {
			t.Errorf("count %d at %s is outside [%d, %d]", c.count, c.at.Format(time.RFC3339), min, max)
		}
	}
}

// promQuery evaluates a PromQL query at the cluster's Prometheus and returns its one
// value (an error when the result is not a single sample).
func promQuery(addr, q string) (float64, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" || len(body.Data.Result) != 1 {
		return 0, fmt.Errorf("query %s: status %s %s, %d results", q, body.Status, body.Error, len(body.Data.Result))
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// TestRequestCountPerTargetScalesOnProxyTraffic is issue 17's must-show for
// ALBRequestCountPerTarget on the real cluster: 40 req/s through the proxy's listener
// to a service at min 1 with a target of 600 requests per target per minute (10 req/s
// per task) scales it out to max 3 (4 wanted, capped); the metric the autoscaler reads
// from Prometheus is the proxy's request rate per healthy target per minute; the plan
// while scaled is empty; without load it scales in after the cooldown; the count never
// leaves [1, 3].
func TestRequestCountPerTargetScalesOnProxyTraffic(t *testing.T) {
	h := newHarness(t)
	nomadtest.Autoscaler(t)
	prom := nomadtest.Prometheus(t)
	ctx := ctxFor(t, 12*time.Minute)
	const minC, maxC, cooldown, rate, target = 1, 3, 30, 40, 600
	resource := "service/default/web"
	r := repo{
		Services:     []service{{Name: "web", Count: 1, TG: "web-tg"}},
		TargetGroups: []targetGroup{{Name: "web-tg", Delay: 2}},
		DefaultTG:    "web-tg",
		Extra: map[string]any{
			"scaling-target.json": map[string]any{"ServiceNamespace": "ecs", "ResourceId": resource,
				"ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": minC, "MaxCapacity": maxC},
			"scaling-requests.json": map[string]any{"PolicyName": "requests", "ServiceNamespace": "ecs", "ResourceId": resource,
				"ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
				"TargetTrackingScalingPolicyConfiguration": map[string]any{"TargetValue": target,
					"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ALBRequestCountPerTarget",
						"ResourceLabel": "app/front/50dc6c495c0c9188/targetgroup/web-tg/73e2d6bc24d8a067"},
					"ScaleOutCooldown": cooldown, "ScaleInCooldown": cooldown}},
		},
	}
	h.mustApply(ctx, t, r)
	lurl := h.proxy.ListenerURL(t, 80) + "/"
	waitServed(t, lurl, "1", time.Minute)
	counts := h.sampleCount(t, "web")
	query := nomadjob.RequestsPerTargetQuery(h.env.Namespace, "web-tg", 60)

	loadCtx, stopLoad := context.WithCancel(ctx)
	done := make(chan *LoadResult, 1)
	loadStart := time.Now()
	go func() { done <- Load(loadCtx, lurl, rate) }()
	firstOut := counts.waitFor(t, "more than min", 3*time.Minute, func(n int) bool { return n > minC })
	atMax := counts.waitFor(t, "max", 3*time.Minute, func(n int) bool { return n == maxC })
	t.Logf("measured: first scale-out %s after the load started, at max (%d) after %s",
		firstOut.Sub(loadStart).Round(time.Second), maxC, atMax.Sub(loadStart).Round(time.Second))
	h.env.WaitHealthy("web", maxC, 2*time.Minute)

	// What the autoscaler reads: 40 req/s × 60 over the healthy targets. The proxy's
	// health check may lag the tasks' by an interval (5 s): poll until it counts all 3.
	want := float64(rate*60) / maxC
	var got float64
	deadline := time.Now().Add(time.Minute)
	for {
		v, err := promQuery(prom, query)
		if err == nil && v > want*0.75 && v < want*1.25 {
			got = v
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests per target per minute at %d tasks: %v (err %v), want about %.0f (%d req/s × 60 / %d)", maxC, v, err, want, rate, maxC)
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("measured: requests per target per minute at %d tasks: %.0f (want %.0f)", maxC, got, want)

	// GitOps: Git still says desiredCount 1; the plan keeps the autoscaler's 3.
	d := r.write(t, h.dir, h.env.Namespace)
	p, err := reconcile.ComputePlanned(ctx, d, h.b, reconcile.PlanOptions{Source: "traffic-test"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Plan.HasChanges() {
		t.Fatalf("the plan while scaled out has changes: %+v", p.Plan)
	}

	lastAction := counts.last().at
	stopLoad()
	res := <-done
	loadEnd := time.Now()
	t.Logf("load: %s", res)
	if res.Failed > 0 {
		t.Errorf("%d of %d requests failed while the service scaled out; first: %v", res.Failed, res.Sent, res.Failures)
	}
	in := counts.waitFor(t, "less than max", 5*time.Minute, func(n int) bool { return n < maxC })
	t.Logf("measured: first scale-in %s after the load stopped, %s after the last scaling action (cooldown %d s)",
		in.Sub(loadEnd).Round(time.Second), in.Sub(lastAction).Round(time.Second), cooldown)
	if in.Sub(lastAction) < cooldown*time.Second-time.Second {
		t.Errorf("scaled in %s after the last scaling action, inside the %d s cooldown", in.Sub(lastAction), cooldown)
	}
	counts.waitFor(t, "min", 5*time.Minute, func(n int) bool { return n == minC })
	counts.cancel()
	<-counts.done
	counts.assertWithin(t, minC, maxC)
	t.Logf("count history: %s", counts.history())
}
