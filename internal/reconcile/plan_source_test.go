package reconcile

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// The ownership identity decides which jobs a run may touch: the flag wins, then
// ecsgit.yaml, then the default — the same order for plan, apply and sync.
func TestSourceResolution(t *testing.T) {
	withCfg := func(src string) *spec.Desired { return &spec.Desired{Config: spec.Config{Source: src}} }
	cases := []struct {
		name, flag string
		desired    *spec.Desired
		want       string
		explicit   bool
	}{
		{"flag wins", "ci", withCfg("repo-a"), "ci", true},
		{"ecsgit.yaml", "", withCfg("repo-a"), "repo-a", true},
		{"default", "", withCfg(""), spec.DefaultSource, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, explicit := (PlanOptions{Source: c.flag}).sourceFor(c.desired); got != c.want || explicit != c.explicit {
				t.Errorf("sourceFor = %q, explicit %v; want %q, %v", got, explicit, c.want, c.explicit)
			}
		})
	}
}
