package plan

import (
	"fmt"
	"io"
	"strings"
)

// humanRenderer is the terminal view: a legend, one block per changed service, then the
// summary line. Unchanged services collapse to one line unless Verbose, because in a
// repository of 50 services the three that change must not scroll away.
type humanRenderer struct{ opts RenderOptions }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
)

// actionColor is the one place that maps an action (or a field-change kind, which uses
// the same markers) to its colour.
func actionColor(a Action) string {
	switch a {
	case ActionCreate:
		return ansiGreen
	case ActionUpdate:
		return ansiYellow
	case ActionDelete:
		return ansiRed
	case ActionSkip:
		return ansiBlue
	}
	return ""
}

// kindMarker maps a FieldChange kind to its marker.
func kindMarker(kind ChangeKind) Action {
	switch kind {
	case KindAdded:
		return ActionCreate
	case KindRemoved:
		return ActionDelete
	}
	return ActionUpdate
}

var legendWords = map[Action]string{
	ActionCreate: "create",
	ActionUpdate: "update",
	ActionDelete: "delete (prune)",
	ActionSkip:   "skip: ecsgit will not touch the service",
}

func (h humanRenderer) paint(color, s string) string {
	if !h.opts.Color || color == "" {
		return s
	}
	return color + s + ansiReset
}

func (h humanRenderer) render(w io.Writer, p *Plan) error {
	v := buildView(p)
	var b strings.Builder
	b.WriteString(v.Title + "\n\n")
	for _, wn := range v.Warnings {
		b.WriteString(h.paint(ansiYellow, wn) + "\n")
	}
	if len(v.Warnings) > 0 {
		b.WriteString("\n")
	}
	if v.NotApplyable != "" {
		b.WriteString(h.paint(ansiBold+ansiRed, "! "+v.NotApplyable) + "\n\n")
	}
	h.legend(&b, v)
	for _, sv := range v.Changed {
		h.service(&b, sv)
	}
	h.unchanged(&b, v)
	h.resources(&b, v.Resources)
	if v.NoChanges {
		b.WriteString("No changes. The cluster matches the desired state.\n")
	}
	if v.Resources.Summary != "" {
		b.WriteString(h.paint(ansiBold, v.Resources.Summary) + "\n")
	}
	b.WriteString(h.paint(ansiBold, v.Summary) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// legend lists only the markers the plan uses, in a fixed order.
func (h humanRenderer) legend(b *strings.Builder, v planView) {
	used := map[Action]bool{}
	for _, rv := range v.Resources.Changed {
		used[rv.Marker] = true
		for _, c := range rv.Changes {
			used[kindMarker(c.Kind)] = true
		}
	}
	for _, sv := range v.Changed {
		used[sv.Marker] = true
		for _, c := range append(sv.Changes, sv.Drift...) {
			used[kindMarker(c.Kind)] = true
		}
	}
	var lines []string
	for _, a := range []Action{ActionCreate, ActionUpdate, ActionDelete, ActionSkip} {
		if used[a] {
			lines = append(lines, fmt.Sprintf("  %s %s\n", h.paint(actionColor(a), string(a)), legendWords[a]))
		}
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("Services and fields are marked with these symbols:\n")
	b.WriteString(strings.Join(lines, ""))
	b.WriteString("\n")
}

func (h humanRenderer) service(b *strings.Builder, sv serviceView) {
	head := string(sv.Marker) + " " + sv.Service
	if sv.TaskDefs != "" {
		head += " (" + sv.TaskDefs + ")"
	}
	fmt.Fprintf(b, "%s %s\n", h.paint(actionColor(sv.Marker), head), sv.Verb)
	for _, l := range sv.Loud {
		b.WriteString("    " + h.paint(ansiBold+ansiRed, "! "+l) + "\n")
	}
	for _, c := range sv.Changes {
		m := kindMarker(c.Kind)
		fmt.Fprintf(b, "    %s %s\n", h.paint(actionColor(m), string(m)), c.Text)
	}
	if len(sv.Drift) > 0 {
		b.WriteString("    " + h.paint(ansiYellow, "drift: the live job differs from what ecsgit last applied:") + "\n")
		for _, c := range sv.Drift {
			m := kindMarker(c.Kind)
			fmt.Fprintf(b, "      %s %s\n", h.paint(actionColor(m), string(m)), c.Text)
		}
	}
	for _, n := range sv.Notes {
		b.WriteString("    " + n + "\n")
	}
	b.WriteString("\n")
}

func (h humanRenderer) unchanged(b *strings.Builder, v planView) {
	switch {
	case len(v.Unchanged) == 0:
	case h.opts.Verbose:
		for _, sv := range v.Unchanged {
			line := "  " + sv.Service
			if sv.TaskDefs != "" {
				line += " (" + sv.TaskDefs + ")"
			}
			if sv.Scaling != "" {
				line += ": " + sv.Scaling
			}
			b.WriteString(line + " unchanged\n")
		}
		b.WriteString("\n")
	default:
		// A scaled service is named even when unchanged: its count differs from Git's
		// desiredCount on purpose, and the plan says so rather than hide it.
		for _, sv := range v.Unchanged {
			if sv.Scaling != "" {
				fmt.Fprintf(b, "  %s unchanged: %s\n", sv.Service, sv.Scaling)
			}
		}
		fmt.Fprintf(b, "%s hidden; -v to show\n\n", plural(len(v.Unchanged), "unchanged service"))
	}
}

// resources is the load-balancing section: one block per changed load balancer,
// listener, rule or target group, the unchanged ones collapsed as services are.
func (h humanRenderer) resources(b *strings.Builder, v resourcesView) {
	if len(v.Changed) == 0 && len(v.Unchanged) == 0 {
		return
	}
	b.WriteString("Load balancing (listeners, rules, target groups):\n\n")
	for _, rv := range v.Changed {
		fmt.Fprintf(b, "%s %s\n", h.paint(actionColor(rv.Marker), string(rv.Marker)+" "+rv.Title), rv.Verb)
		for _, c := range rv.Changes {
			m := kindMarker(c.Kind)
			fmt.Fprintf(b, "    %s %s\n", h.paint(actionColor(m), string(m)), c.Text)
		}
		for _, n := range rv.Notes {
			b.WriteString("    " + n + "\n")
		}
		b.WriteString("\n")
	}
	switch {
	case len(v.Unchanged) == 0:
	case h.opts.Verbose:
		for _, rv := range v.Unchanged {
			fmt.Fprintf(b, "  %s unchanged (routes to: %s)\n", rv.Title, orDefault(rv.Routes, "no service"))
		}
		b.WriteString("\n")
	default:
		fmt.Fprintf(b, "%s hidden; -v to show\n\n", plural(len(v.Unchanged), "unchanged resource"))
	}
}
