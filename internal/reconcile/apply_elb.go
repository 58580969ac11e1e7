package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
)

// ResourceResult is how the apply of one load balancer, listener, rule or target group
// ended: its record written (applied), deleted, skipped, or refused.
type ResourceResult struct {
	Kind   plan.ResourceKind `json:"kind"`
	Name   string            `json:"name"`
	Action plan.Action       `json:"action"`
	Status Status            `json:"status"`
	Reason string            `json:"reason,omitempty"`
	Error  string            `json:"error,omitempty"`
}

func (r ResourceResult) String() string {
	s := fmt.Sprintf("%s %s %s: %s", r.Action, r.Kind, r.Name, r.Status)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

// applyLoadBalancing writes the records of the plan's load-balancing resources, after
// every service of the apply has ended: the routing itself is in the services' Nomad
// registrations, so a record says "this is what the proxy carries out" only once the
// services it routes to are applied. A resource routing to a service that did not end
// well is not recorded: the next plan shows it again. Each write is check-and-set at the
// index the plan read, so a re-run after a crash writes what is missing and nothing
// twice, and a record another apply wrote since the plan is not overwritten.
func (a *applier) applyLoadBalancing(ctx context.Context, p *plan.Plan) []ResourceResult {
	store, ok := a.b.(LBRecordStore)
	if !ok {
		return nil
	}
	var out []ResourceResult
	for _, rp := range p.LoadBalancing {
		if rp.Action != plan.ActionCreate && rp.Action != plan.ActionUpdate && rp.Action != plan.ActionDelete {
			continue
		}
		res := ResourceResult{Kind: rp.Kind, Name: rp.Name, Action: rp.Action}
		if failed := a.failedServices(rp.RoutesTo); failed != "" && rp.Action != plan.ActionDelete {
			res.Status, res.Reason = StatusSkipped, "not recorded: "+failed+" did not succeed; the next plan shows it again"
			out = append(out, res)
			continue
		}
		rec := &nomadbackend.LBRecord{Namespace: p.Namespace, Kind: string(rp.Kind), Name: rp.Name, Source: rp.Owner,
			File: rp.File, Fields: rp.After, RoutesTo: rp.RoutesTo, AppliedAt: time.Now().UTC(), AppliedBy: a.opts.Who,
			ModifyIndex: rp.RecordModifyIndex}
		if a.opts.Commit != nil {
			rec.Commit = a.opts.Commit.SHA
		}
		var err error
		if rp.Action == plan.ActionDelete {
			err, res.Status = store.DeleteLBRecord(ctx, rec), StatusDeleted
		} else {
			err, res.Status = store.WriteLBRecord(ctx, rec), StatusApplied
		}
		switch {
		case errors.Is(err, nomadbackend.ErrRecordConflict):
			res.Status, res.Reason, res.Error = StatusConflict, "the record changed since the plan; plan again", err.Error()
		case err != nil:
			res.Status, res.Error = StatusError, err.Error()
		}
		out = append(out, res)
	}
	return out
}

// failedServices names the services among names whose apply in this run did not end
// well ("" when none did).
func (a *applier) failedServices(names []string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var bad []string
	for _, n := range names {
		r := a.results[n]
		if r == nil {
			continue
		}
		changed := r.Action == plan.ActionCreate || r.Action == plan.ActionUpdate
		if r.Status.Failed() || changed && (r.Status == StatusSkipped || r.Status == StatusDegraded) {
			bad = append(bad, n)
		}
	}
	return strings.Join(bad, ", ")
}
