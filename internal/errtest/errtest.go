// Package errtest makes, for tests, the errors that real clients return, so that error
// classification is tested on the real error types instead of hand-built look-alikes.
package errtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/nomad/api"
)

// NomadForbidden is the error Nomad's api client returns for a 403 (an ACL token
// without the capability), from a server that answers every request with it, wrapped
// the way the planner wraps a read.
func NomadForbidden(t testing.TB) error {
	t.Helper()
	return nomadAnswering(t, http.StatusForbidden, "Permission denied")
}

// NomadUnavailable is the error Nomad's api client returns for a 500 from a server
// without a leader, wrapped the way the planner wraps a read.
func NomadUnavailable(t testing.TB) error {
	t.Helper()
	return nomadAnswering(t, http.StatusInternalServerError, "No cluster leader")
}

// NomadUnreachable is the error Nomad's api client returns when nothing listens at its
// address (connection refused), wrapped the way the planner wraps a read.
func NomadUnreachable(t testing.TB) error {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // the port is free again: a dial is refused
	return readJob(t, addr)
}

func nomadAnswering(t testing.TB, code int, msg string) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, msg, code)
	}))
	t.Cleanup(srv.Close)
	return readJob(t, srv.URL)
}

func readJob(t testing.TB, addr string) error {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Jobs().Info("web", nil)
	if err == nil {
		t.Fatalf("reading a job from %s: want an error", addr)
	}
	return fmt.Errorf("plan default/web: %w", err)
}
