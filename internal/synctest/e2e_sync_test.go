package synctest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncCommits: a good commit is deployed; a commit that does not validate is not
// (the deployed state stays, status names file:line and the commit); the next good
// commit proceeds. Over smart HTTP (git http-backend) and file://.
func TestSyncCommits(t *testing.T) {
	for _, transport := range []string{"http", "file"} {
		t.Run(transport, func(t *testing.T) {
			c, ns, addr := synctest.Nomad(t)
			repo := gittest.New(t)
			repo.Commit("v1", repotest.New(ns, repotest.Service{Name: "web", Version: "1"}).Files())
			url := repo.FileURL()
			if transport == "http" {
				url = repo.ServeHTTP()
			}
			d := synctest.StartDaemon(t, addr, "--repo", url, "--namespace", ns, "--interval", "200ms", "--cache-dir", t.TempDir())

			synctest.Eventually(t, 15*time.Second, "web registered", func() bool { return running(job(t, c, ns, "web")) })
			deployedIdx := modifyIndex(t, c, ns, "web")

			files := repotest.New(ns, repotest.Service{Name: "web", Version: "2"}).Files()
			files["web-taskdef.json"] = "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [ oops ]\n}\n"
			bad := repo.Commit("broken", files)
			var st syncloop.SyncStatus
			synctest.Eventually(t, 15*time.Second, "bad commit rejected", func() bool {
				st, _ = d.Status()
				return st.LastAttempt != nil && st.LastAttempt.Revision != nil && st.LastAttempt.Revision.SHA == bad && st.LastAttempt.Result == "invalid"
			})
			if !strings.Contains(strings.Join(st.LastAttempt.Diagnostics, "\n"), "web-taskdef.json:3:29: error: invalid JSON") ||
				!strings.Contains(st.LastAttempt.Error, bad[:12]) {
				t.Fatalf("attempt = %+v, want web-taskdef.json:3:29 and commit %s", st.LastAttempt, bad[:12])
			}
			if st.Deployed == nil || st.Deployed.SHA == bad {
				t.Fatalf("deployed = %+v, want the previous good commit", st.Deployed)
			}
			time.Sleep(500 * time.Millisecond) // two more polls: still nothing applied
			if got := modifyIndex(t, c, ns, "web"); got != deployedIdx {
				t.Fatalf("bad commit changed the job: JobModifyIndex %d → %d", deployedIdx, got)
			}

			good := repo.Commit("v3", repotest.New(ns, repotest.Service{Name: "web", Version: "3"}).Files())
			synctest.Eventually(t, 15*time.Second, "good commit deployed", func() bool {
				st, _ = d.Status()
				return st.Deployed != nil && st.Deployed.SHA == good
			})
			if got := modifyIndex(t, c, ns, "web"); got == deployedIdx {
				t.Fatal("good commit after a bad one was not registered")
			}
			rec, err := c.ReadServiceRecord(t.Context(), ns, "web")
			if err != nil || rec == nil || rec.Commit == nil || rec.Commit.SHA != good {
				t.Fatalf("record = %+v, %v; want commit %s", rec, err, good)
			}
			if code := d.Stop(); code != 0 {
				t.Fatalf("SIGTERM exit code %d, want 0\n%s", code, d.Output())
			}
		})
	}
}

// TestSyncDrift: `nomad job stop` of an owned job is corrected within seconds with
// --drift correct (through the event stream, the poll interval is an hour), and only
// reported with --drift report.
func TestSyncDrift(t *testing.T) {
	for _, mode := range []string{"correct", "report"} {
		t.Run(mode, func(t *testing.T) {
			c, ns, addr := synctest.Nomad(t)
			repo := gittest.New(t)
			repo.Commit("v1", repotest.New(ns, repotest.Service{Name: "web", Version: "1"}, repotest.Service{Name: "api", Version: "1"}).Files())
			d := synctest.StartDaemon(t, addr, "--repo", repo.FileURL(), "--namespace", ns, "--interval", "1h", "--drift", mode, "--cache-dir", t.TempDir())
			synctest.Eventually(t, 15*time.Second, "deployed", func() bool {
				st, _ := d.Status()
				return st.Ready && running(job(t, c, ns, "web"))
			})
			stopped := time.Now()
			if _, _, err := nomadtest.ClientAt(t, c.Address()).Jobs().Deregister("web", false, nil2(ns)); err != nil {
				t.Fatal(err)
			}
			if mode == "correct" {
				synctest.Eventually(t, 5*time.Second, "drift corrected", func() bool { return running(job(t, c, ns, "web")) })
				t.Logf("drift corrected in %s", time.Since(stopped).Round(time.Millisecond))
				return
			}
			synctest.Eventually(t, 5*time.Second, "drift reported", func() bool {
				st, _ := d.Status()
				for _, s := range st.Services {
					if s.JobID == "web" && s.State == reconcile.StateOutOfSync && s.Drifted {
						return st.DriftedServices == 1
					}
				}
				return false
			})
			t.Logf("drift reported in %s", time.Since(stopped).Round(time.Millisecond))
			time.Sleep(2 * time.Second)
			if running(job(t, c, ns, "web")) {
				t.Fatal("report mode restarted the job")
			}
			if !running(job(t, c, ns, "api")) {
				t.Fatal("api should be untouched")
			}
		})
	}
}
