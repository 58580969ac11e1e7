package nomadbackend

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
)

// Target health states, in ELB's words.
const (
	TargetHealthy   = "healthy"   // registered, routed, its check passes
	TargetUnhealthy = "unhealthy" // its check fails
	TargetInitial   = "initial"   // registered, no check result yet
	// TargetCanary: registered with the canary tags only, so the proxy does not route
	// to it until the deployment promotes it.
	TargetCanary = "canary (not routed)"
)

// TargetHealth is one task registered in a target group.
type TargetHealth struct {
	TargetGroup string `json:"target_group"` // the Nomad service (tg-NAME)
	AllocID     string `json:"alloc_id"`
	Address     string `json:"address"` // host:port the proxy sends to
	State       string `json:"state"`
	// Reason is the failing check's output or status code.
	Reason string `json:"reason,omitempty"`
}

// TargetHealth lists the targets of the job's target-group services: every
// registration of the job in Nomad's catalog with the state of its check on that
// allocation (Nomad's per-allocation check results).
func (c *Client) TargetHealth(ctx context.Context, ns, jobID string) ([]TargetHealth, error) {
	job, err := c.readJob(ctx, ns, jobID)
	if err != nil || job == nil {
		return nil, err
	}
	var names []string
	for _, tg := range job.TaskGroups {
		for _, t := range tg.Tasks {
			for _, s := range t.Services {
				if strings.HasPrefix(s.Name, nomadjob.TargetGroupServicePrefix) && !slices.Contains(names, s.Name) {
					names = append(names, s.Name)
				}
			}
		}
	}
	var out []TargetHealth
	checks := map[string]api.AllocCheckStatuses{}
	for _, name := range names {
		regs, _, err := c.api.Services().Get(name, queryOpts(ctx, ns))
		if err != nil {
			return nil, fmt.Errorf("registrations of %s in %s: %w", name, ns, err)
		}
		for _, r := range regs {
			if r.JobID != jobID {
				continue
			}
			th := TargetHealth{TargetGroup: name, AllocID: shortID(r.AllocID), Address: net.JoinHostPort(r.Address, strconv.Itoa(r.Port)), State: TargetInitial}
			st, ok := checks[r.AllocID]
			if !ok {
				if st, err = c.api.Allocations().Checks(r.AllocID, queryOpts(ctx, ns)); err != nil {
					return nil, fmt.Errorf("checks of allocation %s: %w", r.AllocID, err)
				}
				checks[r.AllocID] = st
			}
			for _, s := range st {
				if s.Service != name {
					continue
				}
				switch s.Status {
				case "success":
					th.State = TargetHealthy
				case "failure":
					th.State = TargetUnhealthy
					th.Reason = strings.TrimSpace(s.Output)
					if th.Reason == "" && s.StatusCode != 0 {
						th.Reason = "HTTP " + strconv.Itoa(s.StatusCode)
					}
				}
			}
			if slices.Contains(r.Tags, nomadjob.CanaryTag) && th.State != TargetUnhealthy {
				th.State = TargetCanary
			}
			out = append(out, th)
		}
	}
	slices.SortFunc(out, func(a, b TargetHealth) int {
		return strings.Compare(a.TargetGroup+" "+a.Address, b.TargetGroup+" "+b.Address)
	})
	return out, nil
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
