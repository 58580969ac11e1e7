package synctest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// withoutAPI deletes service api's files from the commit.
func withoutAPI(files map[string]string) map[string]string {
	files["api-taskdef.json"], files["api-service.json"] = "", ""
	return files
}

// withSource names the repository's ownership identity in ecsgit.yaml.
func withSource(files map[string]string, source string) map[string]string {
	files["ecsgit.yaml"] += "source: " + source + "\n"
	return files
}

// TestSyncIdentityPinned (fault trial D3b): the daemon's ownership identity is pinned
// at start from ecsgit.yaml. A commit that deletes the `source:` line (which would make
// every job of the default identity look like this repository's) and a service is
// refused as a whole: nothing is pruned, and the status says why. The next commit that
// keeps the identity is deployed.
func TestSyncIdentityPinned(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	repo := gittest.New(t)
	repo.Commit("v1", withSource(repotest.New(ns, repotest.Service{Name: "web", Version: "1"}, repotest.Service{Name: "api", Version: "1"}).Files(), "team-a"))
	d := synctest.StartDaemon(t, addr, "--repo", repo.FileURL(), "--namespace", ns, "--interval", "200ms", "--prune", "--cache-dir", t.TempDir())
	synctest.Eventually(t, 20*time.Second, "both deployed", func() bool {
		return running(job(t, c, ns, "web")) && running(job(t, c, ns, "api"))
	})
	if got := job(t, c, ns, "api").Source; got != "team-a" {
		t.Fatalf("api owned by %q, want team-a", got)
	}

	flip := repo.Commit("drop source and api", withoutAPI(repotest.New(ns, repotest.Service{Name: "web", Version: "2"}).Files()))
	var st syncloop.SyncStatus
	synctest.Eventually(t, 15*time.Second, "identity change refused", func() bool {
		st, _ = d.Status()
		return st.LastAttempt != nil && st.LastAttempt.Revision != nil && st.LastAttempt.Revision.SHA == flip && st.LastAttempt.Result == "invalid"
	})
	if msg := strings.Join(st.LastAttempt.Diagnostics, "\n"); !strings.Contains(msg, "removes `source: team-a`") {
		t.Fatalf("diagnostics = %q, want the identity change named", msg)
	}
	time.Sleep(time.Second) // several polls: still nothing pruned
	if !running(job(t, c, ns, "api")) {
		t.Fatal("api was pruned by a commit that changed the ownership identity")
	}

	other := repo.Commit("another identity", withSource(repotest.New(ns, repotest.Service{Name: "web", Version: "2"}).Files(), "team-b"))
	synctest.Eventually(t, 15*time.Second, "other identity refused", func() bool {
		st, _ = d.Status()
		return st.LastAttempt != nil && st.LastAttempt.Revision != nil && st.LastAttempt.Revision.SHA == other && st.LastAttempt.Result == "invalid"
	})
	if msg := strings.Join(st.LastAttempt.Diagnostics, "\n"); !strings.Contains(msg, `sets source "team-b"`) {
		t.Fatalf("diagnostics = %q, want the new source named", msg)
	}

	good := repo.Commit("v3", withSource(repotest.New(ns, repotest.Service{Name: "web", Version: "3"}).Files(), "team-a"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("status %+v\n%s", st, d.Output())
		}
	})
	synctest.Eventually(t, 20*time.Second, "commit with the same identity deployed, api pruned", func() bool {
		st, _ = d.Status()
		return st.Deployed != nil && st.Deployed.SHA == good && !running(job(t, c, ns, "api"))
	})
	if a := st.LastAttempt; a == nil || len(a.Pruned) != 1 || a.Pruned[0].JobID != "api" || a.Pruned[0].Held {
		t.Fatalf("status does not name the prune: %+v", a)
	}
	if !strings.Contains(d.Output(), `msg="sync: pruned" job=api`) {
		t.Fatalf("the log does not name the prune:\n%s", d.Output())
	}
}

// TestSyncHALockPerRepository (fault trial D3a): two --ha daemons of different
// repositories, neither given --source, take different locks (from each repository's
// ecsgit.yaml) and both deploy; before, both campaigned for ecsgit/lock/default and one
// repository was never synced.
func TestSyncHALockPerRepository(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	repoA, repoB := gittest.New(t), gittest.New(t)
	repoA.Commit("a", withSource(repotest.New(ns, repotest.Service{Name: "svc-a"}).Files(), "repo-a"))
	repoB.Commit("b", withSource(repotest.New(ns, repotest.Service{Name: "svc-b"}).Files(), "repo-b"))
	common := []string{"--namespace", ns, "--interval", "300ms", "--ha", "--lock-ttl", "10s"}
	a := synctest.StartDaemon(t, addr, append(common, "--repo", repoA.FileURL(), "--identity", "ha-a", "--cache-dir", t.TempDir())...)
	b := synctest.StartDaemon(t, addr, append(common, "--repo", repoB.FileURL(), "--identity", "ha-b", "--cache-dir", t.TempDir())...)
	synctest.Eventually(t, 30*time.Second, "both repositories deployed, each by its own leader", func() bool {
		sa, err1 := a.Status()
		sb, err2 := b.Status()
		return err1 == nil && err2 == nil && sa.Leader.IsLeader && sb.Leader.IsLeader &&
			running(job(t, c, ns, "svc-a")) && running(job(t, c, ns, "svc-b"))
	})
}
