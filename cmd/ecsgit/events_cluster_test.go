package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/iostreams"
)

type envLine struct {
	DetailType string `json:"detail-type"`
	Detail     struct {
		EventName, LastStatus, Reason, StopCode, StoppedReason, Message string
	} `json:"detail"`
}

func parseLines(t *testing.T, out string) []envLine {
	t.Helper()
	var evs []envLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var e envLine
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("not a JSON line: %v: %s", err, l)
		}
		evs = append(evs, e)
	}
	return evs
}

func indexOf(evs []envLine, from int, match func(envLine) bool) int {
	for i := from; i < len(evs); i++ {
		if match(evs[i]) {
			return i
		}
	}
	return -1
}

// TestEventsCommandOnCluster: `ecsgit events` lists a deployment's ECS events from Nomad;
// `status web` shows the steady state as the console does; `events --follow -o json`
// streams a bad release: a task failing its health check is stopped ("Task failed
// container health checks"), the deployment fails, the circuit breaker rolls back (a
// rollback deployment in progress, then completed), in that order.
func TestEventsCommandOnCluster(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	checkedRepo(e.Namespace, "ecsgit-demo/app:1").Write(t, dir)
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("apply: exit %d", code)
	}
	code, out, _ := e.run(t, "events", "-o", "json", "--service", "web")
	evs := parseLines(t, out)
	done := indexOf(evs, 0, func(l envLine) bool { return l.Detail.EventName == ecsevents.ServiceDeploymentCompleted })
	steady := indexOf(evs, 0, func(l envLine) bool { return l.Detail.EventName == ecsevents.ServiceSteadyState })
	if code != exitOK || done < 0 || steady < done {
		t.Fatalf("events: exit %d; completed at %d, steady at %d", code, done, steady)
	}
	if _, out, _ = e.run(t, "events", "--type", "task", "--type", "RUNNING"); !strings.Contains(out, "RUNNING") || strings.Contains(out, "SERVICE_") {
		t.Fatalf("events --type task: want task events only:\n%s", out)
	}
	if _, out, _ = e.run(t, "status", "web"); !strings.Contains(out, "(service web) has reached a steady state.") {
		t.Fatalf("status web: no steady state event:\n%s", out)
	}

	// Follow the bad release.
	var follow iostreams.SyncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan error, 1)
	go func() {
		ended <- eventsRun(ctx, &eventsOptions{IO: iostreams.New(strings.NewReader(""), &follow, &follow), Output: outputJSON, Follow: true,
			Cluster: clusterFlags{Address: e.Addr, Namespace: e.Namespace}, Filter: eventFilterFlags{Services: []string{"web"}}})
	}()
	time.Sleep(time.Second) // subscribed
	checkedRepo(e.Namespace, "ecsgit-demo/app:broken").Write(t, dir)
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitDegraded {
		t.Fatalf("bad release: exit %d, want %d", code, exitDegraded)
	}
	var failed, rollback, rolled int
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		evs = parseLines(t, follow.String())
		failed = indexOf(evs, 0, func(l envLine) bool { return l.Detail.EventName == ecsevents.ServiceDeploymentFailed })
		rollback = indexOf(evs, max(failed, 0), func(l envLine) bool {
			return l.Detail.EventName == ecsevents.ServiceDeploymentInProgress && strings.Contains(l.Detail.Reason, "circuit breaker: rolling back")
		})
		rolled = indexOf(evs, max(rollback, 0), func(l envLine) bool { return l.Detail.EventName == ecsevents.ServiceDeploymentCompleted })
		if failed >= 0 && rollback > failed && rolled > rollback {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	if err := <-ended; err != nil {
		t.Fatalf("events --follow: %v", err)
	}
	if !(failed >= 0 && rollback > failed && rolled > rollback) {
		t.Fatalf("follow: FAILED at %d, rollback IN_PROGRESS at %d, COMPLETED at %d; want increasing\n%s", failed, rollback, rolled, follow.String())
	}
	unhealthy := indexOf(evs, 0, func(l envLine) bool {
		return l.Detail.LastStatus == "STOPPED" && l.Detail.StopCode == "ServiceSchedulerInitiated" && l.Detail.StoppedReason == "Task failed container health checks"
	})
	if unhealthy < 0 || unhealthy > failed {
		t.Fatalf("no task STOPPED for failing its health checks before the failure (at %d)\n%s", unhealthy, follow.String())
	}
	t.Logf("follow: %d events; unhealthy task stopped at %d, deployment failed at %d, rollback at %d, completed at %d", len(evs), unhealthy, failed, rollback, rolled)
}
