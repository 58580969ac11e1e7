package synctest_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncKill9 kills the daemon with SIGKILL at a random point of a sync, 20 times.
// Each round pushes a commit that changes every service, starts the daemon (its start
// pass applies the commit), kills it 0–120ms later, and restarts it. After the restart
// the cluster must converge with nothing lost or duplicated: exactly one job per
// service, each record pointing at the live job's index, the expected commit and
// revision.
func TestSyncKill9(t *testing.T) {
	rounds := 20
	if v, err := strconv.Atoi(os.Getenv("SYNC_KILL_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	c, ns, addr := synctest.Nomad(t)
	repo := gittest.New(t)
	names := []string{"api", "web", "worker"}
	commitRound := func(i int) string {
		var svcs []repotest.Service
		for _, n := range names {
			svcs = append(svcs, repotest.Service{Name: n, Version: strconv.Itoa(i)})
		}
		return repo.Commit(fmt.Sprintf("round %d", i), repotest.New(ns, svcs...).Files())
	}
	cache := t.TempDir()
	args := []string{"--repo", repo.FileURL(), "--namespace", ns, "--interval", "300ms", "--cache-dir", cache}
	partial := 0 // rounds where the kill left the commit applied to some services only
	for i := 1; i <= rounds; i++ {
		sha := commitRound(i)
		d := synctest.StartDaemon(t, addr, args...)
		time.Sleep(time.Duration(rand.IntN(120)) * time.Millisecond)
		d.Kill()
		if n := appliedCount(t, c, ns, names, sha); n > 0 && n < len(names) {
			partial++
		}

		d = synctest.StartDaemon(t, addr, args...)
		restarted := d
		defer func() {
			if t.Failed() {
				t.Logf("daemon log after the restart:\n%s", restarted.Output())
			}
		}()
		synctest.Eventually(t, 20*time.Second, fmt.Sprintf("round %d converged", i), func() bool {
			st, err := d.Status()
			return err == nil && st.Deployed != nil && st.Deployed.SHA == sha
		})
		checkConverged(t, c, ns, names, sha, i)
		d.Kill()
	}
	t.Logf("%d rounds, %d killed mid-apply (some services written, others not)", rounds, partial)
}

// appliedCount is how many services' records already carry sha.
func appliedCount(t *testing.T, c *nomadbackend.Client, ns string, names []string, sha string) int {
	n := 0
	for _, name := range names {
		if rec, err := c.ReadServiceRecord(t.Context(), ns, name); err == nil && rec != nil && rec.Commit != nil && rec.Commit.SHA == sha {
			n++
		}
	}
	return n
}

func checkConverged(t *testing.T, c *nomadbackend.Client, ns string, names []string, sha string, rev int) {
	t.Helper()
	jobs, _, err := nomadtest.ClientAt(t, c.Address()).Jobs().List(nil2q(ns))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != fmt.Sprint(names) {
		t.Fatalf("jobs = %v, want exactly %v", ids, names)
	}
	for _, n := range names {
		live := job(t, c, ns, n)
		rec, err := c.ReadServiceRecord(t.Context(), ns, n)
		if err != nil || rec == nil {
			t.Fatalf("%s: record %v, %v", n, rec, err)
		}
		switch {
		case !running(live):
			t.Fatalf("%s: job stopped", n)
		case rec.JobModifyIndex != nomadbackend.JobModifyIndexOf(live):
			t.Fatalf("%s: record index %d, live %d", n, rec.JobModifyIndex, nomadbackend.JobModifyIndexOf(live))
		case rec.Commit == nil || rec.Commit.SHA != sha:
			t.Fatalf("%s: record commit %+v, want %s", n, rec.Commit, sha)
		case rec.Revision != rev:
			t.Fatalf("%s: revision %d, want %d (one per commit, none lost or doubled)", n, rec.Revision, rev)
		}
		full, _, err := nomadtest.ClientAt(t, c.Address()).Jobs().Info(n, nil2q(ns))
		if err != nil {
			t.Fatal(err)
		}
		env := full.TaskGroups[0].Tasks[0].Env["VERSION"]
		if env != strconv.Itoa(rev) {
			t.Fatalf("%s: live VERSION=%q, want %d", n, env, rev)
		}
	}
}
