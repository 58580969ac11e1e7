package synctest_test

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncReadsOnlyWhatChanged: with the event stream vouching for earlier reads
// (--full-read-interval, default 10m), a commit that changes one service of four reads
// only that service from Nomad, registers only it, and a job changed outside ecsgit is
// still corrected and read again on the next commit: the reuse never hides a change.
func TestSyncReadsOnlyWhatChanged(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	repo := gittest.New(t)
	names := []string{"api", "db", "web", "worker"}
	commit := func(msg string, env map[string]string) string {
		var svcs []repotest.Service
		for _, n := range names {
			e := env[n]
			if e == "" {
				e = "1"
			}
			svcs = append(svcs, repotest.Service{Name: n, Version: e})
		}
		return repo.Commit(msg, repotest.New(ns, svcs...).Files())
	}
	indexes := func() map[string]uint64 {
		m := map[string]uint64{}
		for _, n := range names {
			m[n] = modifyIndex(t, c, ns, n)
		}
		return m
	}
	d := synctest.StartDaemon(t, addr, "--repo", repo.FileURL(), "--namespace", ns, "--interval", "200ms", "--cache-dir", t.TempDir())
	var st syncloop.SyncStatus
	deployed := func(sha string) {
		t.Helper()
		synctest.Eventually(t, 20*time.Second, "commit "+sha[:8]+" deployed", func() bool {
			st, _ = d.Status()
			return st.Deployed != nil && st.Deployed.SHA == sha && st.LastAttempt != nil && st.LastAttempt.Result == "succeeded"
		})
	}
	servicesRead := func() int {
		t.Helper()
		if st.LastAttempt.ServicesRead == nil {
			t.Fatalf("last attempt has no servicesRead: %+v", st.LastAttempt)
		}
		return *st.LastAttempt.ServicesRead
	}

	deployed(commit("v1", nil))
	// The creations of v1 are events after v1's reads: v2 reads all four again.
	deployed(commit("v2", map[string]string{"web": "2"}))

	before := indexes()
	deployed(commit("v3", map[string]string{"web": "3"}))
	after := indexes()
	if got := servicesRead(); got != 1 {
		t.Fatalf("v3 changed web only; the pass read %d services from Nomad, want 1\n%s", got, d.Output())
	}
	for _, n := range names {
		if changed := after[n] != before[n]; changed != (n == "web") {
			t.Fatalf("v3: %s JobModifyIndex %d → %d; only web should be registered", n, before[n], after[n])
		}
	}

	// Stop api behind ecsgit's back: the event voids its read, the drift is corrected.
	if _, _, err := nomadtest.ClientAt(t, c.Address()).Jobs().Deregister("api", false, nil2(ns)); err != nil {
		t.Fatal(err)
	}
	synctest.Eventually(t, 10*time.Second, "drift of api corrected", func() bool { return running(job(t, c, ns, "api")) })

	before = indexes()
	deployed(commit("v4", map[string]string{"web": "3", "db": "2"}))
	after = indexes()
	// db changed in Git; api was re-registered by the drift correction after its last
	// read, so it is read again too; web and worker come from earlier reads.
	if got := servicesRead(); got != 2 {
		t.Fatalf("v4 changed db after a drift of api; the pass read %d services, want 2 (db, api)\n%s", got, d.Output())
	}
	for _, n := range names {
		if changed := after[n] != before[n]; changed != (n == "db") {
			t.Fatalf("v4: %s JobModifyIndex %d → %d; only db should be registered", n, before[n], after[n])
		}
	}
	if code := d.Stop(); code != 0 {
		t.Fatalf("SIGTERM exit code %d, want 0\n%s", code, d.Output())
	}
}
