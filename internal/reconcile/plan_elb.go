package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// LBRecordStore keeps ecsgit's records of the ELB objects it applied (nomadbackend's
// ecsgit/elb/ variables). It is an optional part of Cluster, as jobLister is: the Nomad
// backend has it; a cluster without it plans no load-balancing resources.
type LBRecordStore interface {
	ListLBRecords(ctx context.Context, ns string) ([]*nomadbackend.LBRecord, error)
	WriteLBRecord(ctx context.Context, r *nomadbackend.LBRecord) error
	DeleteLBRecord(ctx context.Context, r *nomadbackend.LBRecord) error
}

var _ LBRecordStore = (*nomadbackend.Client)(nil)

// lbListedReader reads the ELB records that the plan's record listing (recordLister)
// shows, so that a plan lists the namespace's variables once, not twice.
type lbListedReader interface {
	ReadLBRecords(ctx context.Context, l *nomadbackend.RecordListing) ([]*nomadbackend.LBRecord, error)
}

var _ lbListedReader = (*nomadbackend.Client)(nil)

// planLoadBalancing plans every load balancer, listener, rule and target group of the
// repository against the records: create, update (field diffs in ELB terms), unchanged,
// skip (another source's object), and, for a record of this source whose object left
// the repository, delete under the same conditions as a service's prune.
func (pl *planner) planLoadBalancing(ctx context.Context, prune, allowEmpty bool) ([]plan.ResourcePlan, error) {
	store, ok := pl.b.(LBRecordStore)
	if !ok {
		return nil, nil
	}
	desired := desiredLBObjects(pl.desired)
	var recs []*nomadbackend.LBRecord
	var err error
	if lr, ok := pl.b.(lbListedReader); ok && pl.records != nil {
		recs, err = lr.ReadLBRecords(ctx, pl.records) // the plan listed the records already
	} else {
		recs, err = store.ListLBRecords(ctx, pl.ns)
	}
	if err != nil {
		return nil, fmt.Errorf("plan load balancing: %w", err)
	}
	if len(desired) == 0 && len(recs) == 0 {
		return nil, nil
	}
	byKey := make(map[string]*nomadbackend.LBRecord, len(recs))
	for _, r := range recs {
		byKey[r.Kind+"/"+r.Name] = r
	}
	var out []plan.ResourcePlan
	want := map[string]bool{}
	for _, o := range desired {
		key := string(o.kind) + "/" + o.name
		want[key] = true
		out = append(out, pl.planLBObject(o, byKey[key]))
	}
	refuseAll := len(pl.desired.Services) == 0 && !allowEmpty
	for _, r := range recs {
		if want[r.Kind+"/"+r.Name] || r.Source != pl.source {
			continue // desired, or not this source's: never deleted by it
		}
		out = append(out, pl.planLBPrune(r, prune, refuseAll))
	}
	plan.SortResources(out)
	return out, nil
}

func (pl *planner) planLBObject(o lbObject, rec *nomadbackend.LBRecord) plan.ResourcePlan {
	rp := plan.ResourcePlan{Kind: o.kind, Name: o.name, File: o.file, RoutesTo: o.routesTo, After: o.fields, Owner: pl.source}
	if rec == nil {
		rp.Action, rp.Changes = plan.ActionCreate, diffFields(nil, o.fields)
		return rp
	}
	rp.RecordModifyIndex = rec.ModifyIndex
	if rec.Source != pl.source {
		rp.Action = plan.ActionSkip
		rp.Reason = fmt.Sprintf("ecsgit's record says source %q applied this %s, not %q; two repositories define it in namespace %s", rec.Source, o.kind, pl.source, pl.ns)
		return rp
	}
	rp.Changes = diffFields(rec.Fields, o.fields)
	if !slices.Equal(rec.RoutesTo, o.routesTo) {
		rp.Changes = append(rp.Changes, plan.NewFieldChange("(routes to)", routesKind(rec.RoutesTo, o.routesTo), joinOrNone(rec.RoutesTo), joinOrNone(o.routesTo)))
	}
	rp.Drifted = !rec.Intact()
	switch {
	case len(rp.Changes) > 0:
		rp.Action = plan.ActionUpdate
	case rp.Drifted:
		rp.Action, rp.Reason = plan.ActionUpdate, "the record was changed outside ecsgit"
	default:
		rp.Action = plan.ActionNoop
	}
	return rp
}

// planLBPrune decides a record of this source whose object is no longer in the
// repository, with the service prune's rules (plan_prune.go).
func (pl *planner) planLBPrune(r *nomadbackend.LBRecord, prune, refuseAll bool) plan.ResourcePlan {
	rp := plan.ResourcePlan{Kind: plan.ResourceKind(r.Kind), Name: r.Name, Action: plan.ActionDelete, RoutesTo: r.RoutesTo,
		RecordModifyIndex: r.ModifyIndex, Owner: pl.source, Reason: "no longer in the repository (" + cmpOr(r.File, "file unknown") + ")"}
	switch {
	case !prune:
		rp.Action, rp.Reason = plan.ActionSkip, rp.Reason+"; prune is off (--prune or `prune: true` in ecsgit.yaml deletes its record)"
	case refuseAll:
		rp.Action, rp.Reason = plan.ActionSkip, rp.Reason+"; the repository has no services at all, so nothing is pruned (a failed checkout looks the same)"
	case !pl.sourceExplicit:
		rp.Action, rp.Reason = plan.ActionSkip, fmt.Sprintf("%s; prune needs an ownership identity the repository names itself (`source:` in %s or --source)", rp.Reason, spec.ConfigFileName)
	}
	return rp
}

func routesKind(old, new []string) plan.ChangeKind {
	switch {
	case len(old) == 0:
		return plan.KindAdded
	case len(new) == 0:
		return plan.KindRemoved
	}
	return plan.KindChanged
}

func joinOrNone(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, ", ")
}
