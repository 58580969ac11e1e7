package plan

import "strings"

// resourceView is one load-balancing resource as the text views show it.
type resourceView struct {
	Marker  Action
	Title   string // "rule api (front:80 priority 10)"
	Verb    string // "create", "update", "delete; …", "skip: …"
	Changes []changeLine
	Notes   []string // routes to, drift, file
	Routes  string   // "api, web" for the Markdown table
}

// resourcesView is the load-balancing part of a plan view.
type resourcesView struct {
	Changed   []resourceView
	Unchanged []resourceView
	Summary   string // "" when the plan has no resource
}

func buildResourcesView(p *Plan) resourcesView {
	var v resourcesView
	if s := summarizeResources(p.LoadBalancing); s != nil {
		v.Summary = ResourceSummaryLine(*s)
	}
	for i := range p.LoadBalancing {
		r := &p.LoadBalancing[i]
		rv := buildResourceView(r)
		if rv.Marker == ActionNoop && !r.Drifted {
			v.Unchanged = append(v.Unchanged, rv)
		} else {
			v.Changed = append(v.Changed, rv)
		}
	}
	return v
}

func buildResourceView(r *ResourcePlan) resourceView {
	rv := resourceView{Marker: r.Action, Title: r.Title(), Routes: strings.Join(r.RoutesTo, ", ")}
	if rv.Marker == "" {
		rv.Marker = ActionNoop
	}
	switch r.Action {
	case ActionCreate:
		rv.Verb = "create"
	case ActionUpdate:
		rv.Verb = "update"
	case ActionDelete:
		rv.Verb = withReason("delete", r.Reason)
	case ActionSkip:
		rv.Verb = "skip: " + orDefault(r.Reason, "no reason recorded")
	default:
		rv.Verb = "unchanged"
	}
	for _, c := range r.Changes {
		rv.Changes = append(rv.Changes, changeLine{c.Kind, changeText(c, "")})
	}
	if r.Drifted {
		rv.Notes = append(rv.Notes, "drift: the record was changed outside ecsgit; apply writes it again")
	}
	switch {
	case len(r.RoutesTo) > 0 && r.Action == ActionDelete:
		rv.Notes = append(rv.Notes, "routed to: "+rv.Routes)
	case len(r.RoutesTo) > 0:
		rv.Notes = append(rv.Notes, "routes to: "+rv.Routes)
	case r.Action != ActionDelete && r.Action != ActionSkip:
		rv.Notes = append(rv.Notes, "routes to: no service")
	}
	if r.File != "" && r.Action != ActionNoop {
		rv.Notes = append(rv.Notes, "defined in "+r.File)
	}
	return rv
}
