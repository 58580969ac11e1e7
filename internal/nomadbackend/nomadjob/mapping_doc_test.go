package nomadjob

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/golden"
	"github.com/ecsgit/ecsgit/internal/spec"
)

const mappingDoc = "../../../docs/mapping.md"

// fieldTable renders a registry as the Markdown table of docs/mapping.md, in the
// model's field order; sub-fields of an entry that speaks for the whole object are left
// out.
func fieldTable(typ reflect.Type, reg map[string]fieldRule) string {
	var b strings.Builder
	b.WriteString("| ECS field | Nomad | Fit | Consequence when not exact | Rule |\n|---|---|---|---|---|\n")
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return strings.ReplaceAll(s, "|", `\|`)
	}
	for _, p := range modelPaths("", typ) {
		r, ok := reg[p]
		if !ok {
			continue // covered by a whole entry (TestFidelityRegistryCoversModel)
		}
		fit := map[spec.FidelityLevel]string{spec.FidelityExact: "exact", spec.FidelityApproximate: "approx", spec.FidelityUnsupported: "not translated"}[r.level]
		if r.note != nil && r.note.level != "" && r.note.level != r.level {
			fit += " / " + map[spec.FidelityLevel]string{spec.FidelityApproximate: "approx", spec.FidelityUnsupported: "not translated"}[r.note.level]
		}
		name := "`" + p + "`"
		if r.whole {
			name += " (and its fields)"
		}
		rule := ""
		if r.level != spec.FidelityExact || r.note != nil {
			rule = "`" + r.rule + "`"
			if r.rule == "" {
				rule = "`" + RuleApproximate + "`"
			}
		}
		detail := r.detail
		if r.note != nil && detail != "" && !strings.HasSuffix(detail, "(note)") && !strings.Contains(detail, "(note") {
			detail += " (note)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, cell(r.nomad), fit, cell(detail), cell(rule))
	}
	return b.String()
}

// replaceBetween swaps the text between the begin and end markers of section.
func replaceBetween(t *testing.T, doc, section, body string) string {
	t.Helper()
	begin := "<!-- BEGIN " + section + " (generated from internal/nomadbackend/nomadjob/fidelity_fields.go: go test ./internal/nomadbackend/nomadjob -run TestMappingDocIsGenerated -update) -->\n"
	end := "<!-- END " + section + " -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: markers of %q missing:\n%s…%s", mappingDoc, section, begin, end)
	}
	return doc[:i+len(begin)] + body + doc[j:]
}

// TestMappingDocIsGenerated fails when docs/mapping.md's per-field tables differ from
// the fidelity registry; -update rewrites them.
func TestMappingDocIsGenerated(t *testing.T) {
	raw, err := os.ReadFile(mappingDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := replaceBetween(t, string(raw), "task definition fields", fieldTable(reflect.TypeOf(spec.TaskDefinition{}), taskDefinitionFields))
	doc = replaceBetween(t, doc, "service fields", fieldTable(reflect.TypeOf(spec.Service{}), serviceFields))
	doc = replaceBetween(t, doc, "scalable target fields", fieldTable(reflect.TypeOf(spec.ScalableTarget{}), scalableTargetFields))
	doc = replaceBetween(t, doc, "scaling policy fields", fieldTable(reflect.TypeOf(spec.ScalingPolicy{}), scalingPolicyFields))
	doc = replaceBetween(t, doc, "scheduled action fields", fieldTable(reflect.TypeOf(spec.ScheduledAction{}), scheduledActionFields))
	doc = replaceBetween(t, doc, "metric alarm fields", fieldTable(reflect.TypeOf(spec.MetricAlarm{}), metricAlarmFields))
	golden.Check(t, mappingDoc, []byte(doc), "the per-field tables are generated from the fidelity registry")
}
