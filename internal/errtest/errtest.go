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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Permission denied", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	c, err := api.NewClient(&api.Config{Address: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Jobs().Info("web", nil)
	if err == nil {
		t.Fatal("want a 403 error")
	}
	return fmt.Errorf("plan default/web: %w", err)
}
