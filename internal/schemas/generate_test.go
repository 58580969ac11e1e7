package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"

	"github.com/ecsgit/ecsgit/internal/golden"
)

// readOnly are describe-* output fields that spec ignores with a note; the schema allows
// them so that files saved from the AWS CLI do not show as invalid in editors.
var readOnly = map[string][]string{
	"taskdef": {"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt"},
}

type generator struct{ defs map[string]any }

func (g *generator) schemaOf(t reflect.Type) any {
	switch t {
	case reflect.TypeOf(json.RawMessage(nil)):
		return map[string]any{"description": "passed through as-is; see the ECS API reference"}
	case reflect.TypeOf(spec.CPUUnits(0)):
		return map[string]any{"type": []string{"integer", "string"}, "description": "CPU units (1024 = 1 vCPU) as a number or string, or \"N vCPU\""}
	case reflect.TypeOf(spec.MemoryMiB(0)):
		return map[string]any{"type": []string{"integer", "string"}, "description": "MiB as a number or string, or \"N GB\""}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.Struct:
		if _, ok := g.defs[t.Name()]; !ok {
			g.defs[t.Name()] = nil // reserve: recursion
			g.defs[t.Name()] = g.object(t, nil)
		}
		return map[string]any{"$ref": "#/$defs/" + t.Name()}
	}
	panic("schema generator: unsupported type " + t.String())
}

func (g *generator) object(t reflect.Type, extra []string) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" || f.Anonymous {
			continue
		}
		s := g.schemaOf(f.Type)
		key := t.Name() + "." + name
		if e, ok := spec.Enums[key]; ok {
			s = map[string]any{"type": "string", "enum": e}
			if f.Type.Kind() == reflect.Slice {
				s = map[string]any{"type": "array", "items": s}
			}
		}
		if c, ok := spec.CoercedEnums[key]; ok {
			// ECS accepts other values (as the default): an editor should suggest, not refuse.
			s = map[string]any{"type": "string", "examples": c.Values,
				"description": fmt.Sprintf("%s (case-sensitive); ECS treats any other value as %s", strings.Join(c.Values, " or "), c.Default)}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			required = append(required, name)
		}
	}
	for _, name := range extra {
		props[name] = map[string]any{"description": "read-only output of the AWS CLI; ignored"}
	}
	o := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		o["required"] = required
	}
	return o
}

func generate(name, title string, t reflect.Type) []byte {
	g := &generator{defs: map[string]any{}}
	root := g.object(t, readOnly[name])
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = "https://github.com/ecsgit/ecsgit/schemas/" + FileName(name)
	root["title"] = title
	if len(g.defs) > 0 {
		root["$defs"] = g.defs
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var generated = []struct {
	name, title string
	t           reflect.Type
}{
	{"taskdef", "ECS task definition (RegisterTaskDefinition input) as ecsgit reads it", reflect.TypeOf(spec.TaskDefinition{})},
	{"service", "ECS service definition (CreateService input) as ecsgit reads it", reflect.TypeOf(spec.Service{})},
	{"config", "ecsgit.yaml", reflect.TypeOf(spec.Config{})},
	{"schedule", "EventBridge Scheduler schedule (CreateSchedule input) or CloudWatch Events rule (PutRule input with PutTargets' Targets) with an ECS target, as ecsgit reads it", reflect.TypeOf(spec.Schedule{})},
}

// TestSchemasMatchModel: the embedded schemas are exactly what the spec model generates, so
// a field added to the model without regenerating (go test ./schemas -update) fails here.
func TestSchemasMatchModel(t *testing.T) {
	for _, g := range generated {
		got := generate(g.name, g.title, g.t)
		if golden.Update() {
			if err := os.WriteFile(FileName(g.name), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := Get(g.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./schemas -update", FileName(g.name))
		}
	}
}
