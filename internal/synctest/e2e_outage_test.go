package synctest_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncNomadOutage (fault trial D4): while the daemon cannot reach Nomad, /readyz is
// 503, /v1/status is stale (phase, reason), its services are Unknown and the deployed
// commit is shown one behind the newest; once Nomad answers again the pending commit is
// deployed within seconds (the probe), not at the next backoff step. The outage lasts
// long enough that the backoff has grown past 8 s when Nomad comes back.
func TestSyncNomadOutage(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	nomad := synctest.NewPartition(t, addr)
	repo := gittest.New(t)
	repo.Commit("v1", repotest.New(ns, repotest.Service{Name: "web", Version: "1"}).Files())
	d := synctest.StartDaemon(t, nomad.URL(), "--repo", repo.FileURL(), "--namespace", ns, "--interval", "300ms", "--cache-dir", t.TempDir())
	synctest.Eventually(t, 20*time.Second, "v1 deployed and ready", func() bool {
		st, err := d.Status()
		return err == nil && st.Ready && running(job(t, c, ns, "web"))
	})

	nomad.Down()
	v2 := repo.Commit("v2 during the outage", repotest.New(ns, repotest.Service{Name: "web", Version: "2"}).Files())
	var st syncloop.SyncStatus
	synctest.Eventually(t, 20*time.Second, "stale, not ready, one commit behind", func() bool {
		st, _ = d.Status()
		return !st.Ready && st.Stale != nil && st.Head != nil && st.Head.SHA == v2 &&
			st.CommitsBehind != nil && *st.CommitsBehind == 1 && len(st.Services) == 1 && st.Services[0].State == reconcile.StateUnknown
	})
	if !strings.Contains(st.Services[0].Reason, "last known state Synced") || st.Stale.Phase == "fetch" {
		t.Fatalf("status during the outage: stale %+v, service %+v", st.Stale, st.Services[0])
	}
	resp, err := http.Get(d.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: HTTP %d, want 503", resp.StatusCode)
	}
	// Come back just after the event stream's resubscribe has backed off to 16 s, and
	// the loop's retry to about as much: without the probe the next pass is that far
	// away (checked: the test then fails), with it it is at most one probe interval.
	synctest.Eventually(t, 40*time.Second, "the event stream backs off 16 s", func() bool {
		return longResubscribe.MatchString(d.Output())
	})
	time.Sleep(2 * time.Second) // the pass that failed resubscribe woke has failed too

	nomad.Up()
	up := time.Now()
	synctest.Eventually(t, 30*time.Second, "v2 deployed after recovery", func() bool {
		st, _ = d.Status()
		return st.Ready && st.Deployed != nil && st.Deployed.SHA == v2
	})
	took := time.Since(up)
	t.Logf("deployed %s after Nomad answered again", took.Round(time.Millisecond))
	if took > 6*time.Second {
		t.Errorf("recovery took %s, want within a few seconds (probe every 2 s)", took)
	}
	if st.Stale != nil || st.Services[0].State != reconcile.StateSynced || st.CommitsBehind == nil || *st.CommitsBehind != 0 {
		t.Errorf("status after recovery: stale %+v, services %+v, behind %v", st.Stale, st.Services, st.CommitsBehind)
	}
}

// longResubscribe matches the drift watcher's log line when its backoff reached 16 s.
var longResubscribe = regexp.MustCompile(`resubscribing.* in=(1[6-9]|[2-9][0-9])\.`)
