package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// checkedRepo is one service "web" of two tasks with a health check and the circuit
// breaker with rollback: a broken image fails its rollout and is rolled back.
func checkedRepo(ns, image string) repotest.Repo {
	return repotest.New(ns, repotest.Service{Name: "web", Image: image, Count: 2, HealthCheck: true, Breaker: true})
}

// TestExitCodesOnCluster: the codes a CI pipeline branches on, as the binary returns
// them. plan --detailed-exitcode: 2 with changes, 0 without, 1 for a usage error.
// apply: 0 applied; 3 when the release is rolled back, and 3 again (not 0) when the
// same Git state is applied once more and the failed spec is not retried.
func TestExitCodesOnCluster(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	checkedRepo(e.Namespace, "ecsgit-demo/app:1").Write(t, dir)

	if code, _, _ := e.run(t, "plan", "--detailed-exitcode", dir); code != exitChanges {
		t.Fatalf("plan --detailed-exitcode with a service to create: exit %d, want %d", code, exitChanges)
	}
	if code, _, _ := e.run(t, "plan", "--detailed-exitcode", "--bogus", dir); code != exitUsage || exitUsage == exitChanges {
		t.Fatalf("plan --detailed-exitcode --bogus: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("first apply: exit %d", code)
	}
	if code, _, _ := e.run(t, "plan", "--detailed-exitcode", dir); code != exitOK {
		t.Fatalf("plan --detailed-exitcode after apply: exit %d, want %d", code, exitOK)
	}

	checkedRepo(e.Namespace, "ecsgit-demo/app:broken").Write(t, dir)
	code, out, errOut := e.run(t, "apply", "--auto-approve", dir)
	if code != exitDegraded || !strings.Contains(out, "web: rolled-back") || !strings.Contains(errOut, "ecsgit: web: rolled-back") {
		t.Fatalf("bad release: exit %d, want %d\n%s%s", code, exitDegraded, out, errOut)
	}
	// Same Git state: nothing is written, and the pipeline still does not turn green.
	// The JSON result on stdout says why.
	code, out, errOut = e.run(t, "apply", "--auto-approve", "--output", "json", dir)
	var res reconcile.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("apply -o json: stdout is not one JSON result: %v\n%s", err, out)
	}
	if code != exitDegraded || len(res.Services) != 1 || res.Services[0].Status != reconcile.StatusDegraded || res.Services[0].Registered {
		t.Fatalf("second apply of the bad release: exit %d, want %d; result %+v", code, exitDegraded, res)
	}
	if !strings.Contains(errOut, "Plan:") {
		t.Errorf("apply -o json: the plan should still be shown, on stderr:\n%s", errOut)
	}
}
