package traffictest

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
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// TestPathRoutingToTwoServicesOnOneListener: one listener, two rules: /sleep* goes to
// the api service, /burn* to the cpu service, anything else gets the listener's
// default (404). Both tasks of api run on one host (memberOf zone a) and each has its
// own dynamic host port, both registered in api-tg and both served by the proxy.
func TestPathRoutingToTwoServicesOnOneListener(t *testing.T) {
	h := newHarness(t)
	ctx := ctxFor(t, 5*time.Minute)
	r := repo{
		Services: []service{
			{Name: "api", Count: 2, TG: "api-tg", MemberOf: "attribute:ecs.availability-zone == a"},
			{Name: "cpu", Count: 1, TG: "cpu-tg", Image: nomadtest.ImageV2},
		},
		TargetGroups: []targetGroup{{Name: "api-tg", Delay: 2}, {Name: "cpu-tg", Delay: 2}},
		Rules:        []rule{{Priority: 10, Path: "/sleep*", TG: "api-tg"}, {Priority: 20, Path: "/burn*", TG: "cpu-tg"}},
	}
	h.mustApply(ctx, t, r)
	base := h.proxy.ListenerURL(t, 80)

	// The two api tasks: one node, two ports.
	apiAllocs := h.env.WaitHealthy("api", 2, time.Minute)
	var apiServers []string
	for _, a := range apiAllocs {
		port, err := nomadtest.AllocPort(a, "p8080")
		if err != nil {
			t.Fatal(err)
		}
		apiServers = append(apiServers, "http://"+port)
	}
	if apiAllocs[0].NodeID != apiAllocs[1].NodeID {
		t.Errorf("api tasks on nodes %s and %s, want one host (memberOf zone a)", apiAllocs[0].NodeName, apiAllocs[1].NodeName)
	}
	if apiServers[0] == apiServers[1] {
		t.Errorf("both api tasks have host port %s; want a dynamic port each", apiServers[0])
	}
	cpuAllocs := h.env.WaitHealthy("cpu", 1, time.Minute)
	cpuPort, err := nomadtest.AllocPort(cpuAllocs[0], "p8080")
	if err != nil {
		t.Fatal(err)
	}

	// The proxy's view: each target group's service has exactly its service's tasks.
	nomadtest.Eventually(t, time.Minute, func() error {
		if err := h.wantServers(nomadjob.TargetGroupServiceName("api-tg"), apiServers); err != nil {
			return err
		}
		return h.wantServers(nomadjob.TargetGroupServiceName("cpu-tg"), []string{"http://" + cpuPort})
	})

	// ecsgit status: both api targets healthy, at the addresses the proxy uses.
	nomadtest.Eventually(t, time.Minute, func() error {
		si, err := reconcile.InspectServices(ctx, h.b, h.env.Namespace, "api")
		if err != nil {
			return err
		}
		var got []string
		for _, th := range si[0].Targets {
			if th.TargetGroup != nomadjob.TargetGroupServiceName("api-tg") || th.State != nomadbackend.TargetHealthy {
				return fmt.Errorf("target %+v, want healthy in tg-api-tg", th)
			}
			got = append(got, "http://"+th.Address)
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(apiServers)); !slices.Equal(got, want) {
			return fmt.Errorf("status targets %v, want %v", got, want)
		}
		return nil
	})

	// What a client sees: each path reaches a task, unmatched paths get 404, and every
	// api task answers (the proxy balances over both ports).
	client := nomadtestHTTP()
	for path, want := range map[string]int{"/sleep?ms=1": 200, "/burn?ms=1": 200, "/": 404, "/other": 404} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s through the listener: %d, want %d", path, resp.StatusCode, want)
		}
	}
	before := h.servedBy(t, nomadjob.TargetGroupServiceName("api-tg"))
	for range 20 {
		if _, err := client.Get(base + "/sleep?ms=1"); err != nil {
			t.Fatal(err)
		}
	}
	after := h.servedBy(t, nomadjob.TargetGroupServiceName("api-tg"))
	for _, s := range apiServers {
		if after[s]-before[s] == 0 {
			t.Errorf("api task %s got none of 20 requests to /sleep (counts before %v, after %v)", s, before, after)
		}
	}
}

// TestFailingTargetHealthCheckGetsNoTrafficAndTripsBreaker: version 2 of a service
// answers / but fails the target group's health check (/healthz 500). Its tasks never
// receive a request (a client at 20 req/s sees only version 1, without an error) and the
// deployment circuit breaker fails the rollout and rolls back.
func TestFailingTargetHealthCheckGetsNoTrafficAndTripsBreaker(t *testing.T) {
	h := newHarness(t)
	ctx := ctxFor(t, 8*time.Minute)
	r := repo{
		Services:     []service{{Name: "web", Count: 2, TG: "web-tg", Breaker: true}},
		TargetGroups: []targetGroup{{Name: "web-tg", Delay: 2}},
		DefaultTG:    "web-tg",
	}
	h.mustApply(ctx, t, r)
	url := h.proxy.ListenerURL(t, 80) + "/"
	waitServed(t, url, "1", time.Minute)

	loadCtx, stopLoad := context.WithCancel(ctx)
	done := make(chan *LoadResult)
	go func() { done <- Load(loadCtx, url, 20) }()
	r.Services[0].Image = nomadtest.ImageBroken
	res := h.apply(ctx, t, r)
	stopLoad()
	load := <-done
	t.Logf("load: %s", load)
	got := res.Services[0]
	t.Logf("apply: %s: %s", got.Status, got.Reason)
	if got.Status != reconcile.StatusRolledBack {
		t.Errorf("apply of the failing version: %s (%s), want %s by the circuit breaker", got.Status, got.Reason, reconcile.StatusRolledBack)
	}
	if load.Failed > 0 {
		t.Errorf("%d requests failed: %v", load.Failed, load.Failures)
	}
	for v := range load.Versions {
		if v != "1" {
			t.Errorf("version %q answered %d requests: a task failing its target health check received traffic", v, load.Versions[v])
		}
	}
	// Every failing task was seen by Nomad as failing its check (the breaker's count).
	allocs, _, err := h.env.Client.Jobs().Allocations("web", true, h.env.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, a := range allocs {
		if a.ClientStatus == api.AllocClientStatusFailed || (a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil && !*a.DeploymentStatus.Healthy) {
			failed++
		}
	}
	// ECS's threshold for 2 tasks: clamp(ceil(0.5 × 2), 3, 200) = 3.
	if failed < 3 {
		t.Errorf("%d failed tasks, want at least the breaker's threshold 3", failed)
	}
}

// wantServers checks the proxy's servers of a service (Traefik API).
func (h *harness) wantServers(service string, want []string) error {
	got, err := h.servers(service)
	if err != nil {
		return err
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		return fmt.Errorf("proxy servers of %s: %v, want %v", service, got, want)
	}
	return nil
}

// traefikService is the part of Traefik's /api/http/services/NAME answer the tests read.
type traefikService struct {
	LoadBalancer struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	} `json:"loadBalancer"`
	ServerStatus map[string]string `json:"serverStatus"`
}

func (h *harness) traefikService(name string) (*traefikService, error) {
	u := fmt.Sprintf("http://%s/api/http/services/%s@nomad-%s", h.proxy.API, name, h.env.Namespace)
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var s traefikService
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

func (h *harness) servers(name string) ([]string, error) {
	s, err := h.traefikService(name)
	if err != nil {
		return nil, err
	}
	var urls []string
	for _, sv := range s.LoadBalancer.Servers {
		urls = append(urls, sv.URL)
	}
	return urls, nil
}

// servedBy counts the requests each server of a service answered, from the proxy's
// metrics-free view: its access log lines name the server.
func (h *harness) servedBy(t *testing.T, name string) map[string]int {
	t.Helper()
	lines, err := h.proxy.AccessLog()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, l := range lines {
		if !strings.Contains(l, `@nomad-`+h.env.Namespace+`"`) || !strings.Contains(l, name) {
			continue
		}
		for _, f := range strings.Fields(l) {
			if f = strings.Trim(f, `"`); strings.HasPrefix(f, "http://") {
				counts[f]++
			}
		}
	}
	return counts
}
