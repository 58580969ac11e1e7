package connecttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// repo is a Service Connect namespace "shop": orders (the demo app, Count tasks of
// Image, alias orders:8080 on its port "http") and client (the demo app in client mode
// calling http://orders:8080/ every 20 ms, its stats on port "stats").
type repo struct {
	Image    string
	Count    int
	Min, Max int
	// Payments adds a second provider: payments (1 task listening on 9000), alias
	// payments:9090 (not 8080: orders listens there, and no container may listen on
	// another service's alias port, ECS-SVC-020).
	Payments bool
}

func (r repo) write(t *testing.T, dir, ns string) *spec.Desired {
	t.Helper()
	files := map[string]any{}
	write := func(name string, v any) { files[name] = v }
	awsvpc := map[string]any{"awsvpcConfiguration": map[string]any{"subnets": []string{"subnet-0123456789abcdef0"}}}
	write("ecsgit.yaml", map[string]any{"version": 1, "namespace": ns})
	write("orders-taskdef.json", map[string]any{"family": "orders", "networkMode": "awsvpc", "containerDefinitions": []any{
		map[string]any{"name": "app", "image": r.Image, "memory": 32, "essential": true,
			"portMappings": []any{map[string]any{"name": "http", "containerPort": 8080, "appProtocol": "http"}}}}})
	orders := map[string]any{"serviceName": "orders", "taskDefinition": "orders", "desiredCount": r.Count, "networkConfiguration": awsvpc,
		"serviceRegistries": []any{map[string]any{"registryArn": "arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-utcrh6wavdkggqtk"}},
		"serviceConnectConfiguration": map[string]any{"enabled": true, "namespace": "shop", "services": []any{
			map[string]any{"portName": "http", "discoveryName": "orders", "clientAliases": []any{map[string]any{"dnsName": "orders", "port": 8080}}}}}}
	if r.Min != 0 || r.Max != 0 {
		orders["deploymentConfiguration"] = map[string]any{"minimumHealthyPercent": r.Min, "maximumPercent": r.Max}
	}
	write("orders-service.json", orders)
	if r.Payments {
		write("payments-taskdef.json", map[string]any{"family": "payments", "networkMode": "awsvpc", "containerDefinitions": []any{
			map[string]any{"name": "app", "image": nomadtest.ImageV1, "memory": 32, "essential": true,
				"environment":  []any{map[string]any{"name": "PORT", "value": "9000"}},
				"portMappings": []any{map[string]any{"name": "http", "containerPort": 9000, "appProtocol": "http"}}}}})
		write("payments-service.json", map[string]any{"serviceName": "payments", "taskDefinition": "payments", "desiredCount": 1, "networkConfiguration": awsvpc,
			"serviceConnectConfiguration": map[string]any{"enabled": true, "namespace": "shop", "services": []any{
				map[string]any{"portName": "http", "clientAliases": []any{map[string]any{"dnsName": "payments", "port": 9090}}}}}})
	}
	write("client-taskdef.json", map[string]any{"family": "client", "networkMode": "awsvpc", "containerDefinitions": []any{
		map[string]any{"name": "client", "image": nomadtest.ImageV1, "memory": 32, "essential": true, "command": []string{"--mode=client"},
			"environment": []any{
				map[string]any{"name": "TARGET", "value": "http://orders:8080/"},
				map[string]any{"name": "INTERVAL", "value": "20ms"},
				map[string]any{"name": "PORT", "value": "8081"}},
			"portMappings": []any{map[string]any{"name": "stats", "containerPort": 8081}}}}})
	write("client-service.json", map[string]any{"serviceName": "client", "taskDefinition": "client", "desiredCount": 1, "networkConfiguration": awsvpc,
		"serviceConnectConfiguration": map[string]any{"enabled": true, "namespace": "shop"}})
	repotest.WriteJSON(t, dir, files)
	return repotest.Load(t, dir)
}

type harness struct {
	env *nomadtest.Env
	b   *nomadbackend.Client
	dir string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	env := nomadtest.Cluster(t)
	nomadtest.RequireDemoImages(t)
	nomadtest.RequireConnectProxyImage(t)
	cfg := api.DefaultConfig()
	cfg.Address = env.Addr
	b, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{env: env, b: b, dir: t.TempDir()}
}

func (h *harness) plan(ctx context.Context, t *testing.T, r repo) *reconcile.Planned {
	t.Helper()
	d := r.write(t, h.dir, h.env.Namespace)
	p, err := reconcile.ComputePlanned(ctx, d, h.b, reconcile.PlanOptions{Source: "connect-test"})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

func (h *harness) mustApply(ctx context.Context, t *testing.T, r repo) {
	t.Helper()
	p := h.plan(ctx, t, r)
	res, err := reconcile.ApplyPlanned(ctx, h.b, p, reconcile.ApplyOptions{Who: "test", Poll: 500 * time.Millisecond, PlacementTimeout: 90 * time.Second,
		Events: func(ev reconcile.Event) {
			if ev.Kind != reconcile.EventStart {
				t.Logf("%s", ev.Message)
			}
		}})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !res.OK() {
		t.Fatalf("apply failed: %+v\n%s\n%s", res.Services, h.env.AllocReport("orders"), h.env.AllocReport("client"))
	}
}

// stats is the demo client's GET /stats.
type stats struct {
	OK, Failed int64
	LastError  string `json:"last_error"`
	Versions   map[string]int64
}

func (h *harness) clientAlloc(t *testing.T) *api.Allocation {
	t.Helper()
	stubs, _, err := h.env.Client.Jobs().Allocations("client", false, h.env.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stubs {
		if s.ClientStatus == "running" && s.DesiredStatus == "run" {
			a, _, err := h.env.Client.Allocations().Info(s.ID, h.env.QueryOptions())
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("no running client task\n%s", h.env.AllocReport("client"))
	return nil
}

func readStats(a *api.Allocation) (stats, error) {
	var st stats
	addr, err := nomadtest.AllocPort(a, "stats")
	if err != nil {
		return st, err
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitAnswers waits until the client has had n more answers of version v than in from.
func waitAnswers(t *testing.T, a *api.Allocation, from stats, v string, n int64, timeout time.Duration) stats {
	t.Helper()
	var st stats
	nomadtest.Eventually(t, timeout, func() error {
		var err error
		if st, err = readStats(a); err != nil {
			return err
		}
		if got := st.Versions[v] - from.Versions[v]; got < n {
			return fmt.Errorf("%d answers of version %s through the alias (want %d); ok %d failed %d, last error %q", got, v, n, st.OK, st.Failed, st.LastError)
		}
		return nil
	})
	return st
}

// TestClientReachesServiceByAliasDuringRollout: a client task calls http://orders:8080/
// (its Service Connect alias) every 20 ms with no code or config of its own beyond the
// URL; orders (2 tasks, in other allocations, on the cluster's three clients) rolls
// from version 1 to 2. Not one request fails, the client sees version 2 at the end,
// and only version 2 once the old tasks are gone. The client and orders run on
// different Nomad clients too, so the alias works across the clients' bridges.
func TestClientReachesServiceByAliasDuringRollout(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max int
	}{{"100-200", 0, 0}, {"50-100", 50, 100}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			r := repo{Image: nomadtest.ImageV1, Count: 2, Min: tc.min, Max: tc.max}
			h.mustApply(ctx, t, r)
			client := h.clientAlloc(t)
			before := waitAnswers(t, client, stats{}, "1", 50, 2*time.Minute)
			if before.Failed > 0 {
				// Failures before the first answer are the client starting before orders
				// is registered: the baseline is taken after them.
				t.Logf("before the rollout: %d failed while orders started (last %q)", before.Failed, before.LastError)
			}
			h.checkAcrossClients(t, client)
			h.checkCatalog(t)

			r.Image = nomadtest.ImageV2
			start := time.Now()
			h.mustApply(ctx, t, r)
			t.Logf("rollout applied in %s", time.Since(start).Round(time.Second))
			h.waitOldStopped(t)
			after := waitAnswers(t, client, before, "2", 50, time.Minute)
			// Only version 2 from now on.
			time.Sleep(2 * time.Second)
			final, err := readStats(client)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("through the alias during the rollout: ok %d, failed %d, by version %v (last error %q)",
				final.OK-before.OK, final.Failed-before.Failed, final.Versions, final.LastError)
			if n := final.Failed - before.Failed; n > 0 {
				t.Errorf("%d requests to http://orders:8080/ failed during the rollout (last error %q)", n, final.LastError)
			}
			if final.Versions["1"] != after.Versions["1"] {
				t.Errorf("version 1 still answered after its tasks stopped: %d more answers", final.Versions["1"]-after.Versions["1"])
			}
			if sent := final.OK - before.OK; sent < int64(time.Since(start)/(100*time.Millisecond)) {
				t.Errorf("only %d answers in %s: the client did not keep calling during the rollout", sent, time.Since(start).Round(time.Second))
			}
		})
	}
}

// checkAcrossClients: at least one orders task runs on another Nomad client than the
// client task (each client has its own bridge and subnet).
func (h *harness) checkAcrossClients(t *testing.T, client *api.Allocation) {
	t.Helper()
	stubs, _, err := h.env.Client.Jobs().Allocations("orders", false, h.env.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stubs {
		if s.ClientStatus == "running" && s.NodeID != client.NodeID {
			return
		}
	}
	t.Fatalf("every orders task runs on the client task's node %s: the test would not cross bridges", client.NodeName)
}

// waitOldStopped waits until every stopped orders task has terminated.
func (h *harness) waitOldStopped(t *testing.T) {
	t.Helper()
	nomadtest.Eventually(t, time.Minute, func() error {
		stubs, _, err := h.env.Client.Jobs().Allocations("orders", true, h.env.QueryOptions())
		if err != nil {
			return err
		}
		for _, s := range stubs {
			if s.DesiredStatus == "stop" && (s.ClientStatus == "running" || s.ClientStatus == "pending") {
				return fmt.Errorf("task %s is still stopping", s.ID[:8])
			}
		}
		return nil
	})
}

// checkCatalog: Nomad's catalog has the Service Connect endpoint sc-shop-orders at the
// tasks' own (bridge) addresses and container port, and the Cloud Map registry as the
// service "orders" with the registry's id as a tag.
func (h *harness) checkCatalog(t *testing.T) {
	t.Helper()
	for _, name := range []string{"sc-shop-orders", "orders"} {
		regs, _, err := h.env.Client.Services().Get(name, h.env.QueryOptions())
		if err != nil {
			t.Fatalf("nomad service info %s: %v", name, err)
		}
		if len(regs) != 2 {
			t.Fatalf("nomad service info %s: %d registrations, want 2 (one per orders task)", name, len(regs))
		}
		for _, r := range regs {
			if !strings.HasPrefix(r.Address, "10.") || r.Port != 8080 {
				t.Errorf("%s registered at %s:%d, want the allocation's bridge address (10.x) and container port 8080", name, r.Address, r.Port)
			}
			if name == "orders" && !slices.Contains(r.Tags, "ecsgit.cloud-map.service=srv-utcrh6wavdkggqtk") {
				t.Errorf("orders registration tags %v lack the Cloud Map service id", r.Tags)
			}
		}
	}
}

// TestNewAliasInNamespaceRollsClients: a service that adds an alias to the namespace
// changes every client's job (hosts entry, proxy listener): the plan shows it under the
// client's serviceConnectConfiguration, and after the apply the client's new task has
// the alias while it keeps reaching orders.
func TestNewAliasInNamespaceRollsClients(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	r := repo{Image: nomadtest.ImageV1, Count: 1}
	h.mustApply(ctx, t, r)
	r.Payments = true
	p := h.plan(ctx, t, r)
	var client *plan.ServicePlan
	for i := range p.Plan.Services {
		if p.Plan.Services[i].Service == "client" {
			client = &p.Plan.Services[i]
		}
	}
	if client == nil || client.Action != plan.ActionUpdate {
		t.Fatalf("client plan %+v, want an update", client)
	}
	var text []string
	for _, c := range client.Changes {
		text = append(text, c.Path+" "+string(c.Kind)+" "+c.New)
	}
	if !slices.ContainsFunc(text, func(s string) bool {
		return strings.Contains(s, "extra_hosts") && strings.Contains(s, "payments:127.255.0.2")
	}) {
		t.Errorf("client changes %q lack the payments hosts entry", text)
	}
	if sc := client.ServiceConnect; sc == nil || !slices.Contains(sc.Uses, "payments:9090 at 127.255.0.2:9090 → sc-shop-http") {
		t.Errorf("client service_connect %+v lacks payments", client.ServiceConnect)
	}
	h.mustApply(ctx, t, r)
	job, _, err := h.env.Client.Jobs().Info("client", h.env.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	hosts := fmt.Sprint(job.TaskGroups[0].Tasks[0].Config["extra_hosts"])
	if !strings.Contains(hosts, "payments:127.255.0.2") || !strings.Contains(hosts, "orders:127.255.0.1") {
		t.Errorf("client task extra_hosts %s, want orders and payments", hosts)
	}
	waitAnswers(t, h.clientAlloc(t), stats{}, "1", 20, time.Minute)
}
