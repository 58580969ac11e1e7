package plan

import (
	"fmt"
	"sort"
)

// ResourceKind is the kind of a load-balancing resource of the plan.
type ResourceKind string

const (
	ResourceLoadBalancer ResourceKind = "load-balancer"
	ResourceListener     ResourceKind = "listener"
	ResourceRule         ResourceKind = "rule"
	ResourceTargetGroup  ResourceKind = "target-group"
)

// resourceKindOrder is the order the views list kinds in: what routes before what is
// routed to.
var resourceKindOrder = map[ResourceKind]int{ResourceLoadBalancer: 0, ResourceListener: 1, ResourceRule: 2, ResourceTargetGroup: 3}

// ResourcePlan is the plan for one load balancer, listener, rule or target group of the
// repository: created, updated (with field diffs in ELB terms), deleted or unchanged
// against what ecsgit recorded when it last applied it. Applying it changes no Nomad
// job (the services' registrations carry the routing, see ServicePlan.Routes): apply
// writes or deletes the object's record once the services it routes to are applied.
type ResourcePlan struct {
	Kind ResourceKind `json:"kind"`
	// Name identifies the object within its kind: a load balancer's or target group's
	// Name, a listener "LB:PORT", a rule its "Name" tag or, without one, its file.
	Name   string `json:"name"`
	Action Action `json:"action"`
	// Reason explains a skip or a delete.
	Reason string `json:"reason,omitempty"`
	// File is the repository file that defines the object (absent for a delete).
	File string `json:"file,omitempty"`
	// Changes are the field diffs in ELB terms (Priority, Conditions[path-pattern],
	// HealthCheckPath, Attributes[deregistration_delay.timeout_seconds], …), sorted.
	Changes []FieldChange `json:"changes,omitempty"`
	// RoutesTo are the services the object sends traffic to (after the change; for a
	// delete, before it).
	RoutesTo []string `json:"routes_to,omitempty"`
	// Drifted: the record was changed outside ecsgit since it was written; apply
	// writes it again.
	Drifted bool `json:"drifted,omitempty"`
	// After are the object's fields as apply records them (defaults applied), absent
	// for a delete. Values that look secret are replaced by a hash before they get here.
	After map[string]string `json:"after,omitempty"`
	// RecordModifyIndex is the index of the record the plan read (0: none). Apply
	// writes and deletes with check-and-set on it, so a record changed since the plan
	// is not overwritten.
	RecordModifyIndex uint64 `json:"record_modify_index"`
	// Owner is the ecsgit source (ownership identity) apply records as the object's
	// owner; prune deletes only records of its own source.
	Owner string `json:"owner,omitempty"`
}

// Title is how the text views name the resource: "rule api (front:80 priority 10)".
func (r *ResourcePlan) Title() string {
	t := string(r.Kind) + " " + r.Name
	if r.Kind == ResourceRule {
		l, p := r.After["Listener"], r.After["Priority"]
		if l != "" && p != "" {
			t += fmt.Sprintf(" (%s priority %s)", l, p)
		}
	}
	return t
}

// ResourceSummary counts the load-balancing resources by action.
type ResourceSummary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Drifted   int `json:"drifted"`
}

func (s ResourceSummary) changes() int { return s.Create + s.Update + s.Delete }

func summarizeResources(rs []ResourcePlan) *ResourceSummary {
	if len(rs) == 0 {
		return nil
	}
	var s ResourceSummary
	for _, r := range rs {
		switch r.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionDelete:
			s.Delete++
		case ActionSkip:
			s.Skipped++
		default:
			s.Unchanged++
		}
		if r.Drifted {
			s.Drifted++
		}
	}
	return &s
}

// ResourceSummaryLine is the line the text views print above the "Plan:" line when the
// plan has load-balancing resources: "Load balancing: N to create, N to update, N to
// delete, N unchanged." (", N skipped", ", N drifted" before the period when non-zero).
// The "Plan:" line keeps counting services only, as it always did.
func ResourceSummaryLine(s ResourceSummary) string {
	line := fmt.Sprintf("Load balancing: %d to create, %d to update, %d to delete, %d unchanged", s.Create, s.Update, s.Delete, s.Unchanged)
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	if s.Drifted > 0 {
		line += fmt.Sprintf(", %d drifted", s.Drifted)
	}
	return line + "."
}

// SortResources orders resources by kind (load balancers, listeners, rules, target
// groups) and name.
func SortResources(rs []ResourcePlan) {
	sort.SliceStable(rs, func(i, j int) bool {
		if a, b := resourceKindOrder[rs[i].Kind], resourceKindOrder[rs[j].Kind]; a != b {
			return a < b
		}
		return rs[i].Name < rs[j].Name
	})
}
