//go:build faults

package faulttest_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/faulttest"
	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// syncArgs are the daemon's flags: a file:// bare repository, a short interval, prune.
func syncArgs(f *fixture, repo *gittest.Repo) []string {
	return []string{"--repo", repo.FileURL(), "--namespace", f.env.Namespace, "--interval", "2s", "--prune", "--cache-dir", f.t.TempDir()}
}

// TestFaultSyncKill9WhileCommitsArrive: commits are pushed at random intervals (1–4 s)
// while the daemon is killed with -9 at random moments (every 2–6 s) and restarted.
// Afterwards the daemon must deploy the last commit; every commit is applied at most
// once and in order (history commits strictly in push order, never backwards),
// revisions and job versions consecutive, the next plan empty, the other source's job
// untouched.
func TestFaultSyncKill9WhileCommitsArrive(t *testing.T) {
	f := newFixture(t)
	commits := envInt("ECSGIT_FAULT_SYNC_COMMITS", 8)
	repo := gittest.New(t)
	commit := func(v string) string {
		return repo.Commit("VERSION="+v, repoFiles(f.env.Namespace, mainSource, svc{Name: service, Count: 1, Version: v}))
	}
	pushed := []string{commit("c0")}
	args := syncArgs(f, repo)
	d := synctest.StartDaemon(t, f.env.Addr, args...)
	waitDeployed(t, d, pushed[0], 2*time.Minute)

	// The gaps are drawn up front: the pusher goroutine must not share the random source.
	gaps := make([]time.Duration, commits)
	for i := range gaps {
		gaps[i] = faulttest.Between(f.rnd, time.Second, 4*time.Second)
	}
	type push struct{ sha string }
	shas := make(chan push)
	go func() {
		defer close(shas)
		for i := 1; i <= commits; i++ {
			time.Sleep(gaps[i-1])
			shas <- push{commit(fmt.Sprintf("c%d", i))}
		}
	}()
	kills := 0
	nextKill := time.After(faulttest.Between(f.rnd, 2*time.Second, 6*time.Second))
	var logs []string
loop:
	for {
		select {
		case p, ok := <-shas:
			if !ok {
				break loop
			}
			pushed = append(pushed, p.sha)
		case <-nextKill:
			d.Kill()
			kills++
			logs = append(logs, d.Output())
			d = synctest.StartDaemon(t, f.env.Addr, args...)
			nextKill = time.After(faulttest.Between(f.rnd, 2*time.Second, 6*time.Second))
		}
	}
	last := pushed[len(pushed)-1]
	took := waitDeployed(t, d, last, 3*time.Minute)
	if code := d.Stop(); code != 0 {
		t.Errorf("daemon exit %d on SIGTERM", code)
	}
	defer func() {
		if t.Failed() {
			t.Logf("logs of the killed daemons:\n%s\nlast daemon:\n%s", strings.Join(logs, "\n-----\n"), d.Output())
		}
	}()

	if v := f.liveVersion(); v != fmt.Sprintf("c%d", commits) {
		t.Errorf("live VERSION=%q, want c%d (the last commit)", v, commits)
	}
	summary := f.converged(repo.Work, 1)
	h := f.history()
	prev := -1
	var order []string
	for _, e := range h {
		i := slices.Index(pushed, e.Commit)
		order = append(order, fmt.Sprintf("c%d", i))
		if i <= prev {
			t.Errorf("history commit %s (c%d) after c%d: want each commit at most once, in push order", short(e.Commit), i, prev)
		}
		prev = i
	}
	if h[len(h)-1].Commit != last {
		t.Errorf("newest history commit %s, want the last pushed %s", short(h[len(h)-1].Commit), short(last))
	}
	t.Logf("history%s; commits applied: %v", summary, order)
	figures(t, "%d commits, %d kills of the daemon, %d commits applied (%v), last commit deployed %s after the last push",
		commits, kills, len(h), order, took.Round(time.Second))
}

// TestFaultServerOutage: the Nomad server is stopped (SIGTERM) for 15–30 s while the
// daemon runs with prune; a commit is pushed during the outage and an apply runs during
// it. The apply must fail and write nothing; /readyz must stop saying ready while the
// passes fail (open defect D4 until fixed); after `scripts/cluster.sh up` the daemon
// deploys the pending commit within 30 s (D4: a recovered Nomad noticed within seconds);
// nothing is pruned; the next plan is empty.
func TestFaultServerOutage(t *testing.T) {
	f := newFixture(t)
	repo := gittest.New(t)
	commit := func(v string) string {
		return repo.Commit("VERSION="+v, repoFiles(f.env.Namespace, mainSource, svc{Name: service, Count: 1, Version: v}))
	}
	first := commit("before")
	d := synctest.StartDaemon(t, f.env.Addr, syncArgs(f, repo)...)
	waitDeployed(t, d, first, 2*time.Minute)
	if code := readyz(d); code != http.StatusOK {
		t.Fatalf("/readyz %d before the outage, want 200", code)
	}

	outage := faulttest.Between(f.rnd, 15*time.Second, 30*time.Second)
	f.cluster.Signal(t, "server", syscall.SIGTERM)
	down := time.Now()
	during := commit("during")

	// An apply of the other repository during the outage fails and writes nothing.
	repotest.WriteFiles(t, f.other, repoFiles(f.env.Namespace, otherSource, svc{Name: bystander, Count: 0, Version: "during-outage"}))
	// Exit 4: transient (the CLI's exit-code table), so a pipeline knows to retry.
	if r := f.cli.Run("apply", "--auto-approve", "--timeout", "20s", f.other); r.Code != 4 {
		t.Errorf("apply during the outage: exit %d, want 4 (transient)\n%s", r.Code, r.Out)
	}
	notReady := time.Duration(-1)
	for time.Since(down) < outage {
		if notReady < 0 && readyz(d) != http.StatusOK {
			notReady = time.Since(down)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if notReady < 0 {
		t.Errorf("/readyz stayed 200 for the whole %s outage while every pass failed (open defect D4)", outage.Round(time.Second))
	}
	f.cluster.Up(t)
	took := waitDeployed(t, d, during, 2*time.Minute)
	if took > 30*time.Second {
		t.Errorf("the commit pushed during the outage was deployed %s after Nomad was back, want within 30 s (open defect D4: recovery noticed at the next backoff step)", took.Round(time.Second))
	}
	if code := d.Stop(); code != 0 {
		t.Errorf("daemon exit %d on SIGTERM", code)
	}
	if t.Failed() {
		t.Logf("daemon log:\n%s", d.Output())
	}
	summary := f.converged(repo.Work, 1)
	if v := f.liveVersion(); v != "during" {
		t.Errorf("live VERSION=%q, want %q", v, "during")
	}
	t.Logf("history%s", summary)
	figures(t, "1 server outage of %s; /readyz not ready %s after the stop; commit of the outage deployed %s after the server was back",
		outage.Round(time.Second), fmtDur(notReady), took.Round(time.Second))
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(100 * time.Millisecond).String()
}

// TestFaultClientKillDuringRollout: the Nomad client that received the first task of a
// new release is killed with -9 0–1 s (from the seed) after the placement. The apply
// must still end with 2 healthy tasks of the new release (replacements placed elsewhere
// once the node is down); after the client is back, the containers the killed client
// left running are removed (their allocations no longer run: no dangling-container
// reaper, docs/cluster.md), and exactly one container per running allocation remains.
func TestFaultClientKillDuringRollout(t *testing.T) {
	f := newFixture(t)
	const count = 2
	dir := t.TempDir()
	repotest.WriteFiles(t, dir, repoFiles(f.env.Namespace, mainSource, svc{Name: service, Count: count, Version: "v1"}))
	if r := f.cli.Run("apply", "--auto-approve", "--timeout", "4m", dir); r.Code != 0 {
		t.Fatalf("first apply: exit %d", r.Code)
	}
	oldVersion := *f.job(service).Version
	repotest.WriteFiles(t, dir, repoFiles(f.env.Namespace, mainSource, svc{Name: service, Image: nomadtest.ImageV2, Count: count, Version: "v2"}))
	start := time.Now()
	p := f.cli.Start("apply", "--auto-approve", "--timeout", "5m", dir)

	var placed *api.AllocationListStub
	nomadtest.Eventually(t, 2*time.Minute, func() error {
		allocs, _, err := f.env.Client.Jobs().Allocations(service, false, f.env.QueryOptions())
		if err != nil {
			return err
		}
		for _, a := range allocs {
			if a.JobVersion > oldVersion && a.NodeID != "" {
				placed = a
				return nil
			}
		}
		return fmt.Errorf("no allocation of the new release placed yet")
	})
	agent := f.cluster.Agent(placed.NodeID)
	if agent == "" {
		t.Fatalf("allocation %.8s is on node %s, not one of this cluster's clients", placed.ID, placed.NodeID)
	}
	delay := faulttest.Between(f.rnd, 0, time.Second)
	time.Sleep(delay)
	f.cluster.Signal(t, agent, syscall.SIGKILL)
	killedAt := time.Since(start)

	r := p.Wait()
	t.Logf("apply → exit %d in %s\n%s", r.Code, r.Duration.Round(time.Second), r.Out)
	if r.Code != 0 {
		t.Errorf("apply with %s killed mid-rollout: exit %d, want 0", agent, r.Code)
	}
	f.cluster.Up(t)

	// The killed client's containers: give the restarted client its chance to stop what
	// it still knows, then remove what nobody runs any more.
	time.Sleep(10 * time.Second)
	removed, err := f.cluster.ReapOrphans(f.ctx, f.env.Client, f.env.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range removed {
		t.Logf("removed orphaned container %.12s of allocation %.8s (%s)", ct.ID, ct.AllocID, ct.State)
	}
	f.oneContainerPerAlloc()
	summary := f.converged(dir, count)
	if v := f.liveVersion(); v != "v2" {
		t.Errorf("live VERSION=%q, want v2", v)
	}
	t.Logf("history%s", summary)
	figures(t, "1 client kill (%s, %s after the first placement, %s into the apply); apply ended in %s with exit %d; %d orphaned container(s) removed",
		agent, delay.Round(time.Millisecond), killedAt.Round(time.Millisecond), r.Duration.Round(time.Second), r.Code, len(removed))
}

// oneContainerPerAlloc asserts that every running container of the namespace belongs to
// a running allocation, one each.
func (f *fixture) oneContainerPerAlloc() {
	f.t.Helper()
	for _, p := range f.containerProblems() {
		f.t.Error(p)
	}
}

func (f *fixture) containerProblems() []string {
	f.t.Helper()
	cs, err := f.cluster.Containers(f.ctx, f.env.Namespace)
	if err != nil {
		f.t.Fatal(err)
	}
	perAlloc := map[string]int{}
	for _, c := range cs {
		if c.State == "running" {
			perAlloc[c.AllocID]++
		}
	}
	allocs, _, err := f.env.Client.Allocations().List(f.env.QueryOptions())
	if err != nil {
		f.t.Fatal(err)
	}
	running := map[string]bool{}
	for _, a := range allocs {
		if a.ClientStatus == api.AllocClientStatusRunning {
			running[a.ID] = true
		}
	}
	var probs []string
	for id, n := range perAlloc {
		if !running[id] || n != 1 {
			probs = append(probs, fmt.Sprintf("allocation %.8s: %d running container(s), allocation running: %v", id, n, running[id]))
		}
	}
	for id := range running {
		if perAlloc[id] == 0 {
			probs = append(probs, fmt.Sprintf("allocation %.8s runs, but no container of it does", id))
		}
	}
	slices.Sort(probs)
	return probs
}

// TestFaultReapOrphans: the suite's cleanup of what a killed client leaves behind. A
// container labelled as the docker driver labels its containers (node id of one of this
// cluster's clients, the namespace, an allocation id Nomad does not have) stands for
// the leak of D8, which a real client kill produces only now and then: it is removed,
// the container of the service's running allocation is kept.
func TestFaultReapOrphans(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	repotest.WriteFiles(t, dir, repoFiles(f.env.Namespace, mainSource, svc{Name: service, Count: 1, Version: "v1"}))
	if r := f.cli.Run("apply", "--auto-approve", "--timeout", "4m", dir); r.Code != 0 {
		t.Fatalf("apply: exit %d", r.Code)
	}
	if probs := f.containerProblems(); len(probs) > 0 {
		t.Fatalf("before the orphan: %q", probs)
	}
	gone := newUUID(t)
	out, err := exec.Command("docker", "run", "-d",
		"--label", "com.hashicorp.nomad.node_id="+f.cluster.NodeIDs()["client-b"],
		"--label", "com.hashicorp.nomad.namespace="+f.env.Namespace,
		"--label", "com.hashicorp.nomad.alloc_id="+gone,
		nomadtest.ImageV1).CombinedOutput()
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	orphan := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", orphan).Run() })
	if probs := f.containerProblems(); len(probs) != 1 || !strings.Contains(probs[0], "allocation running: false") {
		t.Fatalf("with the orphan: problems %q, want the orphan's", probs)
	}
	removed, err := f.cluster.ReapOrphans(f.ctx, f.env.Client, f.env.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0].ID != orphan || removed[0].AllocID != gone {
		t.Fatalf("removed %+v, want exactly the orphan %.12s", removed, orphan)
	}
	f.oneContainerPerAlloc()
	f.converged(dir, 1)
}

func newUUID(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
