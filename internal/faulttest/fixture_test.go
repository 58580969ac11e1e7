//go:build faults

package faulttest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/clustertest"
	"github.com/ecsgit/ecsgit/internal/faulttest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// The suite's repositories: the service under fault belongs to source "fault-main"; a
// bystander job of source "fault-other" lives in the same namespace, and every apply and
// daemon of fault-main runs with prune, so a prune that reaches beyond its own source
// shows.
const (
	mainSource  = "fault-main"
	otherSource = "fault-other"
	service     = "svc"
	bystander   = "bystander"
)

// svc is one ECS service of a fault-suite repository: one container "app" running the
// demo image, a rolling update within 50–200 %, the circuit breaker with rollback on.
type svc struct {
	Name    string
	Image   string
	Count   int
	Version string // VERSION environment variable: every change of it is a new revision
	Fail    bool   // the task exits 3 after 1 s (a failing release)
}

func repoFiles(ns, source string, svcs ...svc) map[string]string {
	r := repotest.Repo{Namespace: ns, Source: source, Prune: true, ZoneAttribute: repotest.ZoneAttribute, Dirs: true}
	for _, s := range svcs {
		rs := repotest.Service{Name: s.Name, Image: cmp.Or(s.Image, nomadtest.ImageV1), CPU: 50, Count: s.Count, Version: s.Version,
			MinHealthyPercent: new(50), MaxPercent: new(200), Breaker: true, Spread: true}
		if s.Fail {
			rs.Command = []string{"--mode=fail"}
			rs.Env = map[string]string{"FAIL_AFTER": "1s"}
		}
		r.Services = append(r.Services, rs)
	}
	return r.Files()
}

// fixture is one fault test's namespace on the real cluster, the ecsgit binary, the
// cluster's agents and the bystander job of the other source.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	env     *clustertest.Env
	cli     faulttest.CLI
	cluster *faulttest.Cluster
	rnd     *rand.Rand
	other   string // directory of the bystander's repository
	otherIx uint64 // the bystander's JobModifyIndex after its apply
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cluster := faulttest.LocalCluster(t)
	// Cleanups run last-registered first. This one is registered before the namespace
	// exists, so it runs after the namespace's jobs are purged: no container of the
	// namespace may stay then (a killed client's can: docs/cluster.md).
	var env *clustertest.Env
	t.Cleanup(func() {
		if env != nil {
			reapAfterPurge(t, cluster, env.Client, env.Namespace)
		}
	})
	env = clustertest.New(t)
	// Then, in this order at the end: orphans of the test removed while the namespace
	// still exists, and before that whatever agent a test stopped brought back, even when
	// it failed half-way (the purge needs a whole cluster).
	t.Cleanup(func() { reap(t, cluster, env.Client, env.Namespace) })
	t.Cleanup(func() {
		for _, a := range []string{"server", "client-a", "client-b", "client-c"} {
			if _, err := cluster.Pid(a); err != nil {
				t.Logf("cleanup: %v; restarting the cluster's missing agents", err)
				cluster.Up(t)
				return
			}
		}
	})
	f := &fixture{
		t: t, ctx: t.Context(), env: env, cluster: cluster, rnd: faulttest.Rand(t),
		cli:   faulttest.CLI{T: t, Bin: synctest.Binary(t), Addr: env.Addr, Namespace: env.Namespace},
		other: t.TempDir(),
	}
	repotest.WriteFiles(t, f.other, repoFiles(env.Namespace, otherSource, svc{Name: bystander, Count: 0, Version: "other"}))
	if r := f.cli.Run("apply", "--auto-approve", f.other); r.Code != 0 {
		t.Fatalf("apply of the bystander repository: exit %d", r.Code)
	}
	f.otherIx = faulttest.JobModifyIndex(f.job(bystander))
	return f
}

// reapAfterPurge gives the clients 30 s to stop the containers of the purged namespace
// themselves, then removes those still there: orphans of a killed client.
func reapAfterPurge(t testing.TB, c *faulttest.Cluster, nc *api.Client, ns string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cs, err := c.Containers(context.Background(), ns)
		if err != nil || len(cs) == 0 {
			return
		}
		time.Sleep(time.Second)
	}
	reap(t, c, nc, ns)
}

// reap removes the containers of ns whose allocation no longer runs.
func reap(t testing.TB, c *faulttest.Cluster, nc *api.Client, ns string) {
	removed, err := c.ReapOrphans(context.Background(), nc, ns)
	if err != nil {
		t.Logf("reaping orphaned containers of %s: %v", ns, err)
	}
	for _, ct := range removed {
		t.Logf("removed orphaned container %.12s of allocation %.8s (%s): its allocation no longer runs", ct.ID, ct.AllocID, ct.State)
	}
}

func (f *fixture) job(id string) *api.Job {
	f.t.Helper()
	j, _, err := f.env.Client.Jobs().Info(id, f.env.QueryOptions())
	if nomadbackend.IsNotFound(err) {
		return nil
	}
	if err != nil {
		f.t.Fatalf("read job %s: %v", id, err)
	}
	return j
}

func (f *fixture) record(id string) *nomadbackend.ServiceRecord {
	f.t.Helper()
	r, err := f.env.Backend.ReadServiceRecord(f.ctx, f.env.Namespace, id)
	if err != nil {
		f.t.Fatalf("read record %s: %v", id, err)
	}
	return r
}

// history is the service's history as ecsgit recorded it: the record `ecsgit history`
// prints, read through ecsgit's client (the entries carry the spec hash, which the
// history command's JSON does not show on every branch).
func (f *fixture) history() []nomadbackend.HistoryEntry {
	f.t.Helper()
	rec := f.record(service)
	if rec == nil {
		f.t.Fatalf("no record of %s", service)
	}
	return rec.History
}

// converged asserts what a user checks after a fault: the next plan of dir has no
// changes, the history is whole, count allocations of the live version run and nothing
// else of the service does, and the other source's job was not touched. It returns the
// history summary.
func (f *fixture) converged(dir string, count int) string {
	f.t.Helper()
	if r := f.cli.Run("plan", "--detailed-exitcode", dir); r.Code != 0 {
		f.t.Errorf("plan --detailed-exitcode after the fault: exit %d, want 0 (no changes)", r.Code)
	}
	live := f.job(service)
	if live == nil || faulttest.IsStopped(live) {
		f.t.Fatalf("job %s is gone or stopped", service)
	}
	h := f.history()
	summary := faulttest.CheckHistory(f.t, h, live)
	// What a user reads: `ecsgit history` lists the newest revision (its text layout is
	// the same on every branch; the JSON one changed with the CLI layer).
	if r := f.cli.Start("history", service).Wait(); r.Code != 0 || !strings.Contains(r.Out, fmt.Sprintf("%s:%d ", service, h[len(h)-1].Revision)) {
		f.t.Errorf("ecsgit history %s: exit %d, want 0 listing %s:%d\n%s", service, r.Code, service, h[len(h)-1].Revision, r.Out)
	}
	f.runningAllocs(live, count)
	f.bystanderUntouched()
	return summary
}

// runningAllocs asserts that exactly count allocations of job are wanted, all on its live
// version and running.
func (f *fixture) runningAllocs(live *api.Job, count int) {
	f.t.Helper()
	allocs, _, err := f.env.Client.Jobs().Allocations(*live.ID, false, f.env.QueryOptions())
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, a := range allocs {
		if a.DesiredStatus != api.AllocDesiredStatusRun {
			continue
		}
		if a.JobVersion != *live.Version || a.ClientStatus != api.AllocClientStatusRunning {
			f.t.Errorf("allocation %.8s: version v%d %s, want v%d running", a.ID, a.JobVersion, a.ClientStatus, *live.Version)
		}
		n++
	}
	if n != count {
		f.t.Errorf("%d allocations wanted, want %d\n%s", n, count, f.env.AllocReport(*live.ID))
	}
}

func (f *fixture) bystanderUntouched() {
	f.t.Helper()
	j := f.job(bystander)
	switch {
	case j == nil:
		f.t.Errorf("the job of source %s was deleted", otherSource)
	case faulttest.IsStopped(j):
		f.t.Errorf("the job of source %s was stopped (pruned by the other source)", otherSource)
	case faulttest.JobModifyIndex(j) != f.otherIx:
		f.t.Errorf("the job of source %s was written (index %d → %d)", otherSource, f.otherIx, faulttest.JobModifyIndex(j))
	}
}

// liveVersion is the VERSION environment variable of the live job.
func (f *fixture) liveVersion() string {
	j := f.job(service)
	if j == nil || len(j.TaskGroups) == 0 || len(j.TaskGroups[0].Tasks) == 0 {
		return ""
	}
	return j.TaskGroups[0].Tasks[0].Env["VERSION"]
}

// specHash is the spec hash the plan of dir gives the service.
func (f *fixture) specHash(dir string) string {
	f.t.Helper()
	r := f.cli.Start("plan", "-o", "json", dir).Wait()
	var p struct {
		Services []struct {
			Service  string `json:"service"`
			SpecHash string `json:"spec_hash"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(r.Out), &p); err != nil {
		f.t.Fatalf("plan -o json %s: exit %d, %v\n%s", dir, r.Code, err, r.Out)
	}
	for _, s := range p.Services {
		if s.Service == service {
			return s.SpecHash
		}
	}
	f.t.Fatalf("plan -o json %s: no service %s", dir, service)
	return ""
}

// figures logs one line of the suite's figures (docs/faults.md collects them).
func figures(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURES %s: %s", t.Name(), fmt.Sprintf(format, args...))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// readyz is the HTTP status of a daemon's /readyz (0 when it does not answer).
func readyz(d *synctest.Daemon) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(d.URL + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitDeployed(t testing.TB, d *synctest.Daemon, sha string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	synctest.Eventually(t, timeout, "the daemon to deploy "+sha[:8], func() bool {
		st, err := d.Status()
		return err == nil && st.Deployed != nil && st.Deployed.SHA == sha
	})
	return time.Since(start)
}

func short(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
