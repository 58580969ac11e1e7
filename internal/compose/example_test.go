package compose

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestExampleComposeApp keeps examples/compose-app deployable: it must convert through
// spec.Load without errors, into two services where web is applied after api.
func TestExampleComposeApp(t *testing.T) {
	d, err := spec.Load("../../examples/compose-app", spec.LoadOptions{Compose: LoadForSpec})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(false) {
		t.Fatalf("diagnostics: %v", d.Diagnostics)
	}
	if len(d.Services) != 2 {
		t.Fatalf("%d services, want 2", len(d.Services))
	}
	web := d.Services[1]
	if web.ServiceName != "compose-app-web" || len(web.After) != 1 || web.After[0] != "compose-app-api" {
		t.Errorf("web: name %q after %v, want compose-app-web after [compose-app-api]", web.ServiceName, web.After)
	}
}
