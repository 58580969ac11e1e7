package main

import (
	"encoding/json"
	"github.com/ecsgit/ecsgit/internal/spec"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	code, out, errOut := runCLI(t, "render", "web", "../../examples/gitops")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var doc struct {
		Job struct {
			ID   string
			Meta map[string]string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not a {\"Job\": ...} document: %v", err)
	}
	if doc.Job.ID != "web" || doc.Job.Meta["ecsgit.source"] != spec.DefaultSource {
		t.Errorf("job %q meta %v", doc.Job.ID, doc.Job.Meta)
	}
	for _, want := range []string{"[FID-NOMAD-SIDECAR]", "rollout: max_parallel=1", "circuit breaker:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	if code, _, _ := runCLI(t, "render", "nope", "../../examples/gitops"); code != 1 {
		t.Errorf("unknown service: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "render"); code != exitUsage {
		t.Errorf("no service: exit %d, want %d (usage)", code, exitUsage)
	}
}
