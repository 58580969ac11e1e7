package synctest_test

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncHA: two replicas, one acts; SIGKILL it and the other takes over as soon as
// Nomad frees the lock, then deploys a new commit. Nomad expires a lock 2×TTL after the
// last renewal (nomad/variables_endpoint: "Adjust the given TTL by multiplier of 2")
// plus LockDelay (1s), and 10s is its minimum TTL: so the bound is 2×TTL + 1s + one
// acquire retry (1s), measured from the kill.
func TestSyncHA(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	repo := gittest.New(t)
	repo.Commit("v1", repotest.New(ns, repotest.Service{Name: "web", Version: "1"}).Files())
	const ttl = 10 * time.Second
	common := []string{"--repo", repo.FileURL(), "--namespace", ns, "--interval", "300ms", "--ha", "--lock-ttl", ttl.String()}
	a := synctest.StartDaemon(t, addr, append(common, "--identity", "replica-a", "--cache-dir", t.TempDir())...)
	b := synctest.StartDaemon(t, addr, append(common, "--identity", "replica-b", "--cache-dir", t.TempDir())...)

	var leader, standby *synctest.Daemon
	synctest.Eventually(t, 15*time.Second, "one leader", func() bool {
		sa, err1 := a.Status()
		sb, err2 := b.Status()
		if err1 != nil || err2 != nil || sa.Leader.IsLeader == sb.Leader.IsLeader {
			return false
		}
		leader, standby = a, b
		if sb.Leader.IsLeader {
			leader, standby = b, a
		}
		ss, _ := standby.Status()
		ls, _ := leader.Status()
		return ss.Leader.Holder == ls.Leader.Identity && ls.Ready
	})
	synctest.Eventually(t, 10*time.Second, "deployed by the leader", func() bool { return running(job(t, c, ns, "web")) })
	if ss, _ := standby.Status(); ss.LastAttempt != nil {
		t.Fatalf("the standby acted: %+v", ss.LastAttempt)
	}

	leader.Kill()
	killed := time.Now()
	bound := 2*ttl + 2*time.Second
	synctest.Eventually(t, bound+5*time.Second, "takeover", func() bool {
		s, err := standby.Status()
		return err == nil && s.Leader.IsLeader
	})
	took := time.Since(killed)
	t.Logf("takeover after %s (lock TTL %s)", took.Round(time.Millisecond), ttl)
	if took > bound+500*time.Millisecond {
		t.Errorf("takeover took %s, want within %s (Nomad's 2×TTL + lock delay + retry)", took, bound)
	}
	before := modifyIndex(t, c, ns, "web")
	sha := repo.Commit("v2", repotest.New(ns, repotest.Service{Name: "web", Version: "2"}).Files())
	synctest.Eventually(t, 10*time.Second, "new leader deploys", func() bool {
		s, _ := standby.Status()
		return s.Deployed != nil && s.Deployed.SHA == sha && modifyIndex(t, c, ns, "web") != before
	})
}
