package synctest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncCacheFollowsSharedTaskDefinition: the daemon reuses what it decoded from the
// files a commit did not change (spec.FileCache), yet the rules across files run on
// every pass. worker's service file names web's task definition; a commit that changes
// only that task definition's file updates both web and worker in Nomad, and a commit
// that removes it is refused at worker's unchanged service file (and web's; positions
// inside the repository),
// with nothing deployed, until it comes back.
func TestSyncCacheFollowsSharedTaskDefinition(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	repo := gittest.New(t)
	files := func(version string) map[string]string {
		f := repotest.New(ns, repotest.Service{Name: "web", Version: version}, repotest.Service{Name: "worker", Version: "1"}).Files()
		f["worker-service.json"] = strings.Replace(f["worker-service.json"], `"taskDefinition": "worker"`, `"taskDefinition": "web"`, 1)
		f["worker-taskdef.json"] = "" // gittest: an empty file is deleted
		return f
	}
	d := synctest.StartDaemon(t, addr, "--repo", repo.FileURL(), "--namespace", ns, "--interval", "200ms", "--cache-dir", t.TempDir())
	var st syncloop.SyncStatus
	waitFor := func(sha, result string) {
		t.Helper()
		synctest.Eventually(t, 30*time.Second, "commit "+sha[:8]+" "+result, func() bool {
			st, _ = d.Status()
			return st.LastAttempt != nil && st.LastAttempt.Revision != nil && st.LastAttempt.Revision.SHA == sha && string(st.LastAttempt.Result) == result
		})
	}
	version := func(id string) string {
		t.Helper()
		full, _, err := nomadtest.ClientAt(t, c.Address()).Jobs().Info(id, nil2q(ns))
		if err != nil {
			t.Fatal(err)
		}
		return full.TaskGroups[0].Tasks[0].Env["VERSION"]
	}

	waitFor(repo.Commit("v1", files("1")), "succeeded")
	if w, k := version("web"), version("worker"); w != "1" || k != "1" {
		t.Fatalf("v1: web VERSION=%q worker VERSION=%q, want 1 and 1", w, k)
	}
	waitFor(repo.Commit("web's task definition to 2", map[string]string{"web-taskdef.json": files("2")["web-taskdef.json"]}), "succeeded")
	if w, k := version("web"), version("worker"); w != "2" || k != "2" {
		t.Fatalf("v2 changed only web-taskdef.json: web VERSION=%q worker VERSION=%q, want 2 and 2 (worker runs web's task definition)\n%s", w, k, d.Output())
	}

	removed := repo.Commit("web's task definition removed", map[string]string{"web-taskdef.json": ""})
	waitFor(removed, "invalid")
	diags := "\n" + strings.Join(st.LastAttempt.Diagnostics, "\n")
	if !strings.Contains(diags, "\nworker-service.json:4:21: error: ") || !strings.Contains(diags, "[ECS-REPO-001]") {
		t.Fatalf("removed task definition: want ECS-REPO-001 at worker-service.json (a path inside the repository), got\n%s", diags)
	}
	if k := version("worker"); k != "2" {
		t.Fatalf("an invalid commit changed worker: VERSION=%q", k)
	}
	waitFor(repo.Commit("back, at 3", map[string]string{"web-taskdef.json": files("3")["web-taskdef.json"]}), "succeeded")
	if w, k := version("web"), version("worker"); w != "3" || k != "3" {
		t.Fatalf("v3: web VERSION=%q worker VERSION=%q, want 3 and 3", w, k)
	}
	if code := d.Stop(); code != 0 {
		t.Fatalf("SIGTERM exit code %d, want 0\n%s", code, d.Output())
	}
}
