package plan

import (
	"fmt"
	"io"
	"strings"
)

// markdownRenderer is the pull-request comment: placement failures in bold first (they
// block apply), a summary table, one collapsible <details> per changed service with the
// field diffs in a ```diff block, and the summary line. It renders the same view model as
// the human view.
//
// In the diff block a changed field is marked "!" instead of "~": GitHub and GitLab colour
// lines starting with "+", "-" and "!" and ignore "~".
type markdownRenderer struct{ opts RenderOptions }

func (m markdownRenderer) render(w io.Writer, p *Plan) error {
	v := buildView(p)
	var b strings.Builder
	b.WriteString("### " + mdEscape(v.Title) + "\n\n")
	m.failures(&b, v)
	for _, wn := range v.Warnings {
		b.WriteString("> ⚠️ " + mdEscape(wn) + "\n")
	}
	if len(v.Warnings) > 0 {
		b.WriteString("\n")
	}
	if len(v.Changed) > 0 || len(v.Resources.Changed) > 0 {
		if len(v.Changed) > 0 {
			m.table(&b, v.Changed)
		}
		for _, sv := range v.Changed {
			m.details(&b, sv)
		}
	} else {
		b.WriteString("No changes. The cluster matches the desired state.\n\n")
	}
	if len(v.Unchanged) > 0 {
		names := make([]string, len(v.Unchanged))
		for i, sv := range v.Unchanged {
			names[i] = "`" + sv.Service + "`"
			if sv.Scaling != "" {
				names[i] += " (" + mdEscape(sv.Scaling) + ")"
			}
		}
		fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n",
			plural(len(v.Unchanged), "unchanged service"), strings.Join(names, ", "))
	}
	m.resources(&b, v.Resources)
	if v.Resources.Summary != "" {
		b.WriteString("**" + v.Resources.Summary + "**\n\n")
	}
	b.WriteString("**" + v.Summary + "**\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (markdownRenderer) failures(b *strings.Builder, v planView) {
	if v.NotApplyable == "" {
		return
	}
	b.WriteString("**❌ " + mdEscape(v.NotApplyable) + "**\n\n")
	for _, sv := range v.Changed {
		for _, l := range sv.Loud {
			fmt.Fprintf(b, "- **`%s`: %s**\n", sv.Service, mdEscape(l))
		}
	}
	b.WriteString("\n")
}

func (markdownRenderer) table(b *strings.Builder, svs []serviceView) {
	b.WriteString("| | service | action | task definition | tasks replaced | placement |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, sv := range svs {
		fmt.Fprintf(b, "| `%s` | `%s` | %s | %s | %s | %s |\n",
			mdMarker(sv.Marker), sv.Service, cell(sv.Verb), cell(sv.TaskDefs), cell(sv.TasksChanged), cell(placementCell(sv)))
	}
	b.WriteString("\n")
}

func placementCell(sv serviceView) string {
	if strings.HasPrefix(sv.PlacementCol, "FAILED") {
		return "**" + sv.PlacementCol + "**"
	}
	return sv.PlacementCol
}

func (markdownRenderer) details(b *strings.Builder, sv serviceView) {
	head := string(sv.Marker) + " " + sv.Service
	if sv.TaskDefs != "" {
		head += " (" + sv.TaskDefs + ")"
	}
	fmt.Fprintf(b, "<details><summary><code>%s</code> %s</summary>\n\n", htmlEscape(head), htmlEscape(sv.Verb))
	for _, l := range sv.Loud {
		b.WriteString("**" + mdEscape(l) + "**\n\n")
	}
	var diff []string
	for _, c := range sv.Changes {
		diff = append(diff, mdDiffMarker(c.Kind)+" "+c.Text)
	}
	if len(sv.Drift) > 0 {
		diff = append(diff, "# drift: the live job differs from what ecsgit last applied")
		for _, c := range sv.Drift {
			diff = append(diff, mdDiffMarker(c.Kind)+" "+c.Text)
		}
	}
	if len(diff) > 0 {
		fence := codeFence(diff)
		b.WriteString(fence + "diff\n" + strings.Join(diff, "\n") + "\n" + fence + "\n\n")
	}
	for _, n := range sv.Notes {
		b.WriteString("- " + mdEscape(n) + "\n")
	}
	if len(sv.Notes) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
}

func mdMarker(a Action) string {
	if a == ActionNoop {
		return "="
	}
	return string(a)
}

func mdDiffMarker(kind ChangeKind) string {
	switch kind {
	case KindAdded:
		return "+"
	case KindRemoved:
		return "-"
	}
	return "!"
}

// codeFence returns a backtick fence longer than any backtick run in the lines, so a value
// holding ``` cannot end the block early.
func codeFence(lines []string) string {
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func cell(s string) string {
	if s == "" {
		return "–"
	}
	return strings.ReplaceAll(mdEscape(s), "|", `\|`)
}

// mdEscape neutralises the characters that would turn text from a repository (service
// names, reasons, Nomad messages) into HTML or links in a comment.
func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "\n", " ").Replace(s)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// resources is the load-balancing part of the comment: a table of the changed load
// balancers, listeners, rules and target groups, then one <details> each with its field
// diff, and the unchanged ones collapsed.
func (markdownRenderer) resources(b *strings.Builder, v resourcesView) {
	if len(v.Changed) == 0 && len(v.Unchanged) == 0 {
		return
	}
	if len(v.Changed) > 0 {
		b.WriteString("| | load balancing | action | routes to |\n")
		b.WriteString("|---|---|---|---|\n")
		for _, rv := range v.Changed {
			fmt.Fprintf(b, "| `%s` | `%s` | %s | %s |\n", mdMarker(rv.Marker), rv.Title, cell(rv.Verb), cell(rv.Routes))
		}
		b.WriteString("\n")
	}
	for _, rv := range v.Changed {
		fmt.Fprintf(b, "<details><summary><code>%s</code> %s</summary>\n\n", htmlEscape(string(rv.Marker)+" "+rv.Title), htmlEscape(rv.Verb))
		var diff []string
		for _, c := range rv.Changes {
			diff = append(diff, mdDiffMarker(c.Kind)+" "+c.Text)
		}
		if len(diff) > 0 {
			fence := codeFence(diff)
			b.WriteString(fence + "diff\n" + strings.Join(diff, "\n") + "\n" + fence + "\n\n")
		}
		for _, n := range rv.Notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
		if len(rv.Notes) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("</details>\n\n")
	}
	if len(v.Unchanged) > 0 {
		names := make([]string, len(v.Unchanged))
		for i, rv := range v.Unchanged {
			names[i] = "`" + rv.Title + "`"
		}
		fmt.Fprintf(b, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n",
			plural(len(v.Unchanged), "unchanged load-balancing resource"), strings.Join(names, ", "))
	}
}
