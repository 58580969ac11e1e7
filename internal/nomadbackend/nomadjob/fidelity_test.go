package nomadjob

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// modelPaths lists the JSON paths of every field of struct type typ and of its nested
// structs ("x[]" for a list of objects). A json.RawMessage is one field: its contents
// are AWS's (checked against the SDK by spec), not the translator's.
func modelPaths(prefix string, typ reflect.Type) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name := jsonName(f)
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		p := prefix + name
		out = append(out, p)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeOf(json.RawMessage{}):
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, modelPaths(p+"[].", ft.Elem())...)
		case ft.Kind() == reflect.Struct:
			out = append(out, modelPaths(p+".", ft)...)
		}
	}
	return out
}

// coveredBy returns the registry entry that speaks for path: its own, or an ancestor's
// marked whole.
func coveredBy(reg map[string]fieldRule, path string) (string, bool) {
	if _, ok := reg[path]; ok {
		return path, true
	}
	for p := path; ; {
		i := strings.LastIndex(p, ".")
		if i < 0 {
			return "", false
		}
		p = p[:i]
		if r, ok := reg[strings.TrimSuffix(p, "[]")]; ok && r.whole {
			return strings.TrimSuffix(p, "[]"), true
		}
		if r, ok := reg[p]; ok && r.whole {
			return p, true
		}
	}
}

var registries = []struct {
	name string
	typ  reflect.Type
	reg  map[string]fieldRule
}{
	{"task definition", reflect.TypeOf(spec.TaskDefinition{}), taskDefinitionFields},
	{"service", reflect.TypeOf(spec.Service{}), serviceFields},
	{"scalable target", reflect.TypeOf(spec.ScalableTarget{}), scalableTargetFields},
	{"scaling policy", reflect.TypeOf(spec.ScalingPolicy{}), scalingPolicyFields},
	{"scheduled action", reflect.TypeOf(spec.ScheduledAction{}), scheduledActionFields},
	{"metric alarm", reflect.TypeOf(spec.MetricAlarm{}), metricAlarmFields},
}

// TestFidelityRegistryCoversModel walks the ECS model by reflection (as
// schemas/aws_test.go walks the SDK) and fails for any field without a registry entry,
// and for any entry that names no field. A new spec field fails here until someone says
// how it is translated, or that it is not.
func TestFidelityRegistryCoversModel(t *testing.T) {
	for _, r := range registries {
		paths := modelPaths("", r.typ)
		known := map[string]bool{}
		for _, p := range paths {
			known[p] = true
			if _, ok := coveredBy(r.reg, p); !ok {
				t.Errorf("%s field %s has no fidelity registry entry (fidelity_fields.go): say how it is translated, or that it is not", r.name, p)
			}
		}
		for p, rule := range r.reg {
			if !known[p] {
				t.Errorf("%s registry entry %q names no model field", r.name, p)
			}
			if rule.level != spec.FidelityExact && rule.detail == "" {
				t.Errorf("%s registry entry %q is %s but states no consequence", r.name, p, rule.level)
			}
			if rule.note != nil && rule.note.text == "" {
				t.Errorf("%s registry entry %q emits a note without text", r.name, p)
			}
			if rule.note != nil && rule.level == spec.FidelityExact && rule.note.level == "" {
				t.Errorf("%s registry entry %q is exact but emits a note", r.name, p)
			}
		}
	}
}

// TestCoverageCheckCatchesNewField checks the walk itself: a struct with a field the
// registry lacks is reported, a whole entry covers its children.
func TestCoverageCheckCatchesNewField(t *testing.T) {
	type leaf struct {
		A string `json:"a"`
	}
	type sample struct {
		Known  string `json:"known"`
		Obj    *leaf  `json:"obj"`
		List   []leaf `json:"list"`
		Future int    `json:"future"`
	}
	reg := map[string]fieldRule{"known": exact("x"), "obj": exact("x").covers(), "list": exact("x"), "list[].a": exact("x")}
	var missing []string
	for _, p := range modelPaths("", reflect.TypeOf(sample{})) {
		if _, ok := coveredBy(reg, p); !ok {
			missing = append(missing, p)
		}
	}
	if strings.Join(missing, ",") != "future" {
		t.Errorf("missing = %v, want [future]", missing)
	}
}
