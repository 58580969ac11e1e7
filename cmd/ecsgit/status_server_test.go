package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
)

// status --server renders what the daemon serves at /v1/status (the daemon encodes the
// same syncloop.SyncStatus type, so the contract cannot drift): the deployed commit, a
// rejected commit's file:line errors, and per-service states with reasons.
func TestStatusFromServer(t *testing.T) {
	st := syncloop.SyncStatus{
		Source: "https://git.example.com/deploy.git ref=main", Namespace: "prod", DriftMode: "correct", Ready: true,
		Deployed: &syncloop.RevisionStatus{SHA: "0123456789abcdef0123", Message: "web: app:2", Author: "ana"},
		LastAttempt: &syncloop.AttemptStatus{
			Revision: &syncloop.RevisionStatus{SHA: "fedcba9876543210fedc"}, Trigger: "webhook",
			StartedAt: time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC), Result: "invalid",
			Diagnostics: []string{`web/taskdef.json:7:5: error: unknown field "imgae": did you mean "image"? [ECS-JSON-002]`},
		},
		Services: []syncloop.ServiceStatus{
			{Service: "api", JobID: "api", State: reconcile.StateDegraded, Reason: "api:4 rolled back: check failing", TaskDefinition: "api:3"},
			{Service: "web", JobID: "web", State: reconcile.StateSynced, TaskDefinition: "web:2", Drifted: true},
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/status" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(st)
	}))
	defer srv.Close()

	var out, errOut bytes.Buffer
	if code := run([]string{"status", "--server", srv.URL}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"deployed:  0123456789ab web: app:2 (ana)",
		"last pass: fedcba987654 invalid (webhook",
		`web/taskdef.json:7:5: error: unknown field "imgae"`,
		"api      Degraded          api:3     api:4 rolled back: check failing",
		"web      Synced (drifted)  web:2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := run([]string{"status", "--server", srv.URL, "--output", "json", "web"}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("json: exit %d: %s", code, errOut.String())
	}
	var got syncloop.SyncStatus
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got.Services) != 1 || got.Services[0].Service != "web" {
		t.Fatalf("json for one service: %v\n%s", err, out.String())
	}

	// A server that is not an ecsgit daemon is an error, not an empty status.
	if code := run([]string{"status", "--server", srv.URL + "/nope"}, strings.NewReader(""), &out, &errOut); code != exitFailure {
		t.Fatalf("wrong server: exit %d, want %d", code, exitFailure)
	}
}
