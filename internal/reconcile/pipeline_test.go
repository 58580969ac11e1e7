package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/source"
)

// A daemon manages one namespace; a commit whose ecsgit.yaml moves the services to
// another namespace is refused like an invalid commit (before any Nomad call), never
// deployed to the daemon's namespace by surprise.
func TestPipelineRefusesAnotherNamespace(t *testing.T) {
	dir := t.TempDir()
	repotest.New("prod", repotest.Service{Name: "web", Image: "app:1", Memory: 64, Count: 1}).Write(t, dir)

	e := &Pipeline{Options: PlanOptions{Namespace: "default"}, PinNamespace: true} // no Nomad: must not get that far
	_, err := e.Plan(context.Background(), Pass{Dir: dir, Revision: source.Revision{SHA: "0123456789abcdef"}})
	var inv *InvalidRevisionError
	if !errors.As(err, &inv) || len(inv.Diagnostics) != 1 || !strings.Contains(inv.Diagnostics[0], `namespace "prod" but this daemon manages "default"`) {
		t.Fatalf("want an invalid-revision error naming both namespaces, got %v", err)
	}
}
