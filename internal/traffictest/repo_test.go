package traffictest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// service is one demo-app service of a test repository, behind target group TG.
type service struct {
	Name     string
	Image    string // default ecsgit-demo/app:1
	Count    int
	Min, Max int // deploymentConfiguration percents (0: ECS defaults)
	TG       string
	Breaker  bool
	Grace    int    // healthCheckGracePeriodSeconds
	MemberOf string // a memberOf placement constraint expression
}

// targetGroup is one target group: health check on Path every 5 s, 2 passes / 2
// failures, deregistration delay Delay seconds.
type targetGroup struct {
	Name  string
	Path  string // default /healthz
	Delay int
}

// rule forwards requests whose path matches Path to TG on the listener.
type rule struct {
	Priority int
	Path     string
	TG       string
}

// repo is a repository: the services, a load balancer "front" with one HTTP listener on
// port 80 whose default action forwards to DefaultTG (fixed-response 404 when empty),
// and the rules.
type repo struct {
	Services     []service
	TargetGroups []targetGroup
	Rules        []rule
	DefaultTG    string
	// Extra are more definition files (name → JSON value), e.g. auto scaling.
	Extra map[string]any
}

// write writes r into dir as ECS and elbv2 JSON and loads it as the CLI does.
func (r repo) write(t *testing.T, dir, ns string) *spec.Desired {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	files := map[string]any{}
	write := func(name string, v any) { files[name] = v }
	write("ecsgit.yaml", map[string]any{"version": 1, "namespace": ns})
	for _, s := range r.Services {
		img := s.Image
		if img == "" {
			img = nomadtest.ImageV1
		}
		write(s.Name+"-taskdef.json", map[string]any{"family": s.Name, "networkMode": "bridge", "containerDefinitions": []any{
			map[string]any{"name": "app", "image": img, "memory": 32, "essential": true,
				"portMappings": []any{map[string]any{"containerPort": 8080, "hostPort": 0}}}}})
		svc := map[string]any{"serviceName": s.Name, "taskDefinition": s.Name, "desiredCount": s.Count,
			"loadBalancers": []any{map[string]any{"targetGroupArn": s.TG, "containerName": "app", "containerPort": 8080}}}
		dc := map[string]any{}
		if s.Min != 0 || s.Max != 0 {
			dc["minimumHealthyPercent"], dc["maximumPercent"] = s.Min, s.Max
		}
		if s.Breaker {
			dc["deploymentCircuitBreaker"] = map[string]any{"enable": true, "rollback": true}
		}
		if len(dc) > 0 {
			svc["deploymentConfiguration"] = dc
		}
		if s.MemberOf != "" {
			svc["placementConstraints"] = []any{map[string]any{"type": "memberOf", "expression": s.MemberOf}}
		}
		if s.Grace > 0 {
			svc["healthCheckGracePeriodSeconds"] = s.Grace
		}
		write(s.Name+"-service.json", svc)
	}
	for _, g := range r.TargetGroups {
		path := g.Path
		if path == "" {
			path = "/healthz"
		}
		write("tg-"+g.Name+".json", map[string]any{"Name": g.Name, "Protocol": "HTTP", "Port": 8080, "TargetType": "instance",
			"HealthCheckPath": path, "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
			"HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2, "Matcher": map[string]any{"HttpCode": "200"},
			"Attributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": fmt.Sprint(g.Delay)}}})
	}
	write("lb.json", map[string]any{"Name": "front", "Type": "application", "Scheme": "internal", "Subnets": []string{"subnet-0123456789abcdef0"}})
	def := map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404"}}
	if r.DefaultTG != "" {
		def = map[string]any{"Type": "forward", "TargetGroupArn": r.DefaultTG}
	}
	write("listener.json", map[string]any{"LoadBalancerArn": "front", "Protocol": "HTTP", "Port": 80, "DefaultActions": []any{def}})
	for _, ru := range r.Rules {
		write(fmt.Sprintf("rule-%d.json", ru.Priority), map[string]any{"ListenerArn": "front:80", "Priority": ru.Priority,
			"Conditions": []any{map[string]any{"Field": "path-pattern", "Values": []string{ru.Path}}},
			"Actions":    []any{map[string]any{"Type": "forward", "TargetGroupArn": ru.TG}}})
	}
	for name, v := range r.Extra {
		write(name, v)
	}
	repotest.WriteJSON(t, dir, files)
	return repotest.Load(t, dir)
}

// harness is a traffic namespace, the proxy and ecsgit's client.
type harness struct {
	env   *nomadtest.Env
	proxy *nomadtest.Proxy
	b     *nomadbackend.Client
	dir   string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env, proxy := nomadtest.TrafficCluster(t)
	nomadtest.RequireDemoImages(t)
	cfg := api.DefaultConfig()
	cfg.Address = env.Addr
	b, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{env: env, proxy: proxy, b: b, dir: t.TempDir()}
}

// apply plans and applies r with ecsgit's engine, as `ecsgit apply` does.
func (h *harness) apply(ctx context.Context, t *testing.T, r repo) *reconcile.Result {
	t.Helper()
	d := r.write(t, h.dir, h.env.Namespace)
	p, err := reconcile.ComputePlanned(ctx, d, h.b, reconcile.PlanOptions{Source: "traffic-test"})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	res, err := reconcile.ApplyPlanned(ctx, h.b, p, reconcile.ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 60 * time.Second,
		Events: func(ev reconcile.Event) {
			if ev.Kind != reconcile.EventStart {
				t.Logf("%s", ev.Message)
			}
		}})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func (h *harness) mustApply(ctx context.Context, t *testing.T, r repo) {
	t.Helper()
	if res := h.apply(ctx, t, r); !res.OK() {
		t.Fatalf("apply failed: %+v", res.Services)
	}
}

// waitServed waits until url answers 200 with version n times in a row through the proxy.
func waitServed(t *testing.T, url, version string, timeout time.Duration) {
	t.Helper()
	client := nomadtestHTTP()
	deadline := time.Now().Add(timeout)
	streak, last := 0, ""
	for streak < 10 {
		v, err := get(client, url)
		switch {
		case err != nil:
			streak, last = 0, err.Error()
		case v != version:
			streak, last = 0, "version "+v
		default:
			streak++
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not serve version %s within %s (last: %s)", url, version, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// allocPortURL is the URL of the demo app's port of alloc, bypassing the proxy.
func allocPortURL(a *api.Allocation) (string, error) {
	p, err := nomadtest.AllocPort(a, "p8080")
	if err != nil {
		return "", err
	}
	return "http://" + p + "/", nil
}
