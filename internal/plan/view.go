package plan

import (
	"fmt"
	"strings"
)

// The human and Markdown views render the same intermediate model, built here once, so
// they cannot disagree about what a plan says (Terraform renders its human view from its
// JSON model for the same reason). Only layout differs between them.

// serviceView is one service as the text views show it.
type serviceView struct {
	Marker   Action
	Service  string
	TaskDefs string // "web-task:3 → web-task:4", "web-task:4" or ""
	Verb     string // "update: replace 4 tasks", "create: place 2 tasks", "skip: <reason>"
	Changes  []changeLine
	Drift    []changeLine
	// Loud are placement failures: they block apply and are shown first and emphasised.
	Loud []string
	// Notes are the other lines under a service: degraded, rollout, placement, warnings,
	// fidelity.
	Notes []string
	// Scaling says who owns the count ("" without a scalable target); shown for
	// unchanged services too.
	Scaling      string
	TasksChanged string // for the Markdown table: "4", "" when none
	PlacementCol string // for the Markdown table: "ok", "FAILED: …", ""
}

type changeLine struct {
	Kind ChangeKind
	Text string // "containerDefinitions[web].image: web:1 → web:2 (forces replacement)"
}

type planView struct {
	Title     string
	Warnings  []string
	Changed   []serviceView // every service whose action is not noop
	Unchanged []serviceView
	Summary   string
	// Resources are the load balancers, listeners, rules and target groups.
	Resources    resourcesView
	NoChanges    bool
	NotApplyable string
}

func buildView(p *Plan) planView {
	v := planView{Title: planTitle(p), Summary: SummaryLine(p.Summary), Resources: buildResourcesView(p), NoChanges: !p.HasChanges()}
	for _, d := range p.Diagnostics {
		v.Warnings = append(v.Warnings, d.String())
	}
	for i := range p.Services {
		sv := buildServiceView(&p.Services[i])
		if sv.Marker == ActionNoop && len(sv.Drift) == 0 && len(sv.Loud) == 0 && !p.Services[i].Degraded {
			v.Unchanged = append(v.Unchanged, sv)
		} else {
			v.Changed = append(v.Changed, sv)
		}
	}
	if n := p.Summary.PlacementFailures; n > 0 {
		v.NotApplyable = fmt.Sprintf("apply refuses this plan without --force: %s cannot be placed", plural(n, "service"))
	}
	return v
}

func planTitle(p *Plan) string {
	src := p.Source
	if p.Commit != "" {
		src += "@" + p.Commit
	}
	t := "ecsgit plan"
	if src != "" {
		t += " for " + src
	}
	if p.NomadAddress != "" {
		t += " against " + p.NomadAddress
	}
	if p.Namespace != "" {
		t += " (namespace " + p.Namespace + ")"
	}
	return t
}

func buildServiceView(sp *ServicePlan) serviceView {
	sv := serviceView{Marker: sp.Action, Service: sp.Service, TaskDefs: taskDefs(sp), Verb: verb(sp)}
	if sv.Marker == "" {
		sv.Marker = ActionNoop
	}
	for _, c := range sp.Changes {
		if sp.Action != ActionUpdate {
			c.ForcesReplacement = false // nothing runs yet (create) or will run (delete)
		}
		sv.Changes = append(sv.Changes, changeLine{c.Kind, changeText(c, "")})
	}
	for _, c := range sp.DriftChanges {
		sv.Drift = append(sv.Drift, changeLine{c.Kind, changeText(c, " (live)")})
	}
	if sp.Scaling != nil {
		sv.Scaling = sp.Scaling.Line()
		sv.Notes = append(sv.Notes, sv.Scaling)
	}
	if sp.Degraded {
		sv.Notes = append(sv.Notes, "degraded: "+orDefault(sp.Reason, "the last apply failed and was rolled back")+"; the failed spec is not retried until Git changes")
	}
	for _, im := range sp.Images {
		sv.Notes = append(sv.Notes, fmt.Sprintf("image %s: %s (%s)", im.Container, im.Image, im.Digest))
	}
	if pl := sp.Placement; pl != nil {
		for _, f := range pl.Failures {
			sv.Loud = append(sv.Loud, "placement: "+f)
		}
		if !pl.OK && len(pl.Failures) == 0 {
			sv.Loud = append(sv.Loud, "placement: the scheduler cannot place every task")
		}
		if pl.OK && sp.Schedule != nil {
			// Registering a periodic job places nothing; the dry run says a launch fits.
			sv.Notes = append(sv.Notes, "placement: ok (a launch's tasks fit the cluster now)")
			sv.PlacementCol = "ok"
		} else if pl.OK {
			sv.Notes = append(sv.Notes, "placement: ok"+placementCounts(pl))
			sv.PlacementCol = "ok"
		} else {
			sv.PlacementCol = "FAILED: " + strings.Join(pl.Failures, "; ")
		}
		for _, w := range pl.Warnings {
			sv.Notes = append(sv.Notes, "placement warning: "+w)
		}
	}
	if r := sp.Rollout; r != nil && sp.Action == ActionUpdate && sp.Update == UpdateReplace {
		sv.Notes = append(sv.Notes, rolloutLine(r))
		if r.CircuitBreaker != "" {
			sv.Notes = append(sv.Notes, "circuit breaker: "+r.CircuitBreaker)
		}
	}
	for _, r := range sp.Routes {
		sv.Notes = append(sv.Notes, "route: "+routeText(r))
	}
	if sc := sp.ServiceConnect; sc != nil {
		for _, e := range sc.Provides {
			sv.Notes = append(sv.Notes, "service connect ("+sc.Namespace+"): provides "+e)
		}
		for _, e := range sc.Uses {
			sv.Notes = append(sv.Notes, "service connect ("+sc.Namespace+"): calls "+e)
		}
	}
	if IsDeployment(*sp) {
		for _, t := range sp.PreDeploy {
			what := t.TaskDefinition
			if t.Overridden != "" {
				what += " (overrides: " + t.Overridden + ")"
			}
			sv.Notes = append(sv.Notes, fmt.Sprintf("pre-deploy: runs %s to completion first (timeout %ds); if it does not exit 0, %s is not deployed", what, t.TimeoutSeconds, sp.Service))
		}
	}
	for _, f := range sp.Fidelity {
		sv.Notes = append(sv.Notes, fmt.Sprintf("fidelity: %s %s: %s", f.Level, f.Field, f.Detail))
	}
	if n := tasksChanged(sp); n > 0 {
		sv.TasksChanged = fmt.Sprint(n)
	}
	return sv
}

func taskDefs(sp *ServicePlan) string {
	o, n := sp.OldTaskDefinition, sp.NewTaskDefinition
	switch {
	case o != "" && n != "" && o != n:
		return o + " → " + n
	case n != "":
		return n
	}
	return o
}

// verb is the action in words; the header line of a service ends with it.
func verb(sp *ServicePlan) string {
	switch sp.Action {
	case ActionCreate:
		if s := sp.Schedule; s != nil {
			return "create: " + scheduleWords(s)
		}
		if n := desired(sp); n > 0 {
			return "create: place " + plural(n, "task")
		}
		return "create"
	case ActionDelete:
		what := "stop the job"
		if sp.Placement != nil && sp.Placement.Stop > 0 {
			what = "stop " + plural(sp.Placement.Stop, "task")
		}
		return withReason("delete: "+what, sp.Reason)
	case ActionSkip:
		return "skip: " + orDefault(sp.Reason, "no reason recorded")
	case ActionUpdate:
		if s := sp.Schedule; s != nil && sp.Update != UpdateMetadata {
			return "update: " + scheduleWords(s) + "; launches already running are not touched"
		}
		return "update: " + updateWords(sp)
	}
	return "unchanged"
}

func updateWords(sp *ServicePlan) string {
	switch sp.Update {
	case UpdateScale:
		for _, c := range sp.Changes {
			if c.Path == "desiredCount" {
				return fmt.Sprintf("scale %s → %s tasks, none replaced", orDefault(c.Old, "0"), orDefault(c.New, "0"))
			}
		}
		return "scale, no task replaced"
	case UpdateInPlace:
		return "in place, no task replaced"
	case UpdateMetadata:
		return withReason("ecsgit records only, no Nomad write", sp.Reason)
	case UpdateReplace:
		if n := tasksChanged(sp); n > 0 {
			return "replace " + plural(n, "task")
		}
		return "replace tasks"
	}
	return string(sp.Update)
}

func tasksChanged(sp *ServicePlan) int {
	if sp.Action != ActionUpdate || sp.Update != UpdateReplace {
		return 0
	}
	if sp.Rollout != nil && sp.Rollout.TasksReplaced > 0 {
		return sp.Rollout.TasksReplaced
	}
	if sp.Placement != nil {
		return sp.Placement.Destructive
	}
	return 0
}

func desired(sp *ServicePlan) int {
	if sp.Rollout != nil {
		return sp.Rollout.DesiredCount
	}
	if sp.Placement != nil {
		return sp.Placement.Place
	}
	return 0
}

func rolloutLine(r *Rollout) string {
	exact := "exact"
	if !r.Exact {
		exact = "not exact: " + orDefault(r.WorstCase, "bounds may be exceeded")
	}
	return fmt.Sprintf("rollout: replace %s in batches of %d via %s; bounds: ≥%d healthy, ≤%d running (%s)",
		plural(r.TasksReplaced, "task"), r.BatchSize, r.Mechanism, r.MinHealthy, r.MaxRunning, exact)
}

func placementCounts(pl *Placement) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{pl.Place, "placed"}, {pl.Canary, "as canaries"}, {pl.Destructive, "replaced"}, {pl.InPlace, "updated in place"}, {pl.Stop, "stopped"}, {pl.Ignore, "untouched"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// changeText is one field change without its marker. Masked values never reach it: a
// masked FieldChange already holds SensitiveValue, and the words say what happened.
func changeText(c FieldChange, suffix string) string {
	var s string
	switch {
	case c.Masked && c.Kind == KindChanged:
		s = c.Path + ": (sensitive value changed)"
	case c.Kind == KindAdded:
		s = c.Path + ": " + c.New
	case c.Kind == KindRemoved:
		s = c.Path + ": " + c.Old
	default:
		s = c.Path + ": " + c.Old + " → " + c.New
	}
	if c.ForcesReplacement {
		s += " (forces replacement)"
	}
	return s + suffix
}

// SummaryLine is the last line of the human and Markdown views. Its wording is a public
// interface (scripts grep for it): "Plan: N to create, N to update, N to delete, N
// unchanged." with ", N skipped", ", N drifted", ", N with placement failures" inserted
// before the period when non-zero. Documented in docs/plan-json.md; do not reword.
func SummaryLine(s Summary) string {
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %d unchanged", s.Create, s.Update, s.Delete, s.Unchanged)
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	if s.Drifted > 0 {
		line += fmt.Sprintf(", %d drifted", s.Drifted)
	}
	if s.PlacementFailures > 0 {
		line += fmt.Sprintf(", %d with placement failures", s.PlacementFailures)
	}
	return line + "."
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func withReason(s, reason string) string {
	if reason == "" {
		return s
	}
	return s + "; " + reason
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// routeText is "front:80 rule 20 (path-pattern /api/*) → target group api-tg".
func routeText(r Route) string {
	if r.Priority == 0 {
		return fmt.Sprintf("%s default action → target group %s", r.Listener, r.TargetGroup)
	}
	return fmt.Sprintf("%s rule %d (%s) → target group %s", r.Listener, r.Priority, r.Conditions, r.TargetGroup)
}

func scheduleWords(s *ScheduleSummary) string {
	state := ""
	if !s.Enabled {
		state = ", disabled"
	}
	return fmt.Sprintf("periodic job %s (Nomad cron %q, %s%s), each launch runs %s", s.Expression, s.NomadCron, s.TimeZone, state, plural(s.TaskCount, "task"))
}
