package synctest_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestEventsHATakeover: two replicas with --ha deliver to one webhook; only the leader
// sends (no event arrives twice while it leads). The leader is killed with SIGKILL during
// a rolling deployment; the standby takes the lock (about 21 s later, the deployment
// has finished unseen meanwhile) and delivers, from the shared cursor, every event the
// dead leader had not: none lost, checked by ID against Nomad's buffer.
func TestEventsHATakeover(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	rc := &receiver{t: t, secret: []byte("hook-key")}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	t.Setenv("ECSGIT_TEST_EVENT_KEY", "hook-key")
	repo := gittest.New(t)
	commit := func(v string) {
		files := repotest.New(ns, repotest.Service{Name: "web", Count: 2, Version: v}).Files()
		files["web-service.json"] = `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 100}}` + "\n"
		repo.Commit(v, files)
	}
	commit("v1")
	common := []string{"--repo", repo.FileURL(), "--namespace", ns, "--interval", "300ms", "--ha", "--lock-ttl", "10s",
		"--event-webhook", srv.URL, "--event-webhook-secret-env", "ECSGIT_TEST_EVENT_KEY", "--event-cursor-interval", "500ms"}
	a := synctest.StartDaemon(t, addr, append(common, "--identity", "replica-a", "--cache-dir", t.TempDir())...)
	b := synctest.StartDaemon(t, addr, append(common, "--identity", "replica-b", "--cache-dir", t.TempDir())...)
	var leader, standby *synctest.Daemon
	synctest.Eventually(t, 90*time.Second, "one leader deployed v1 and its steady state was delivered", func() bool {
		sa, err1 := a.Status()
		sb, err2 := b.Status()
		if err1 != nil || err2 != nil || sa.Leader.IsLeader == sb.Leader.IsLeader {
			return false
		}
		leader, standby = a, b
		if sb.Leader.IsLeader {
			leader, standby = b, a
		}
		return first(rc.snapshot(), ecsevents.ServiceSteadyState, "") >= 0
	})
	defer func() {
		if t.Failed() {
			t.Logf("standby log:\n%s", standby.Output())
		}
	}()
	start, err := c.CurrentIndex(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	before := len(rc.snapshot())
	commit("v2")
	var dep2 string
	synctest.Eventually(t, 60*time.Second, "the rolling deployment in progress", func() bool {
		for _, dl := range rc.snapshot()[before:] {
			if dl.EventName == ecsevents.ServiceDeploymentInProgress {
				dep2 = dl.DeploymentID
				return true
			}
		}
		return false
	})
	// While one replica leads, nothing arrives twice: the standby sends nothing.
	seen := map[string]bool{}
	for _, dl := range rc.snapshot() {
		if seen[dl.ID] {
			t.Fatalf("event %s delivered twice while one replica led (the standby sends?)", dl.ID)
		}
		seen[dl.ID] = true
	}
	leader.Kill()
	killed := time.Now()
	synctest.Eventually(t, 60*time.Second, "the standby took over and delivered the deployment's completion", func() bool {
		s, err := standby.Status()
		ds := rc.snapshot()
		return err == nil && s.Leader.IsLeader && first(ds, ecsevents.ServiceDeploymentCompleted, dep2) >= 0 && lastSteady(ds, before) >= 0
	})
	took := time.Since(killed)
	time.Sleep(2 * time.Second)
	got := rc.snapshot()
	ids := map[string]int{}
	for _, dl := range got {
		ids[dl.ID]++
	}
	want := groundTruth(t, c, ns, start)
	var lost []string
	for _, ev := range want {
		if ids[ev.Envelope.ID] == 0 {
			lost = append(lost, ev.Text)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d events lost across the takeover: %v\nreceived:\n%s", len(lost), len(want), lost, list(got[before:]))
	}
	dups := 0
	for _, n := range ids {
		dups += n - 1
	}
	t.Logf("takeover after %s; %d events expected after index %d, all received; %d repeats by ID", took.Round(time.Second), len(want), start, dups)
}
