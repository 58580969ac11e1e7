package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// notInSchema lists AWS input fields ("GoType.jsonName") that ecsgit deliberately does not
// take, each with the reason. Empty today: the model takes every field.
var notInSchema = map[string]string{}

// TestSchemaCoversAWSInputs walks the aws-sdk-go-v2 ECS input types by reflection and
// checks that every field (lower-camel-cased, as the JSON API spells it) is a property of
// the schema at the same place. A new AWS field fails this test until the spec model (and
// so the generated schema) has it or notInSchema says why not.
func TestSchemaCoversAWSInputs(t *testing.T) {
	for _, c := range []struct {
		schema string
		t      reflect.Type
	}{
		{"taskdef", reflect.TypeOf(ecs.RegisterTaskDefinitionInput{})},
		{"service", reflect.TypeOf(ecs.CreateServiceInput{})},
	} {
		raw, err := Get(c.schema)
		if err != nil {
			t.Fatal(err)
		}
		var root map[string]any
		if err := json.Unmarshal(raw, &root); err != nil {
			t.Fatal(err)
		}
		w := &walker{t: t, defs: root["$defs"].(map[string]any), seen: map[reflect.Type]bool{}}
		w.compare(c.t, root, c.t.Name())
	}
}

type walker struct {
	t    *testing.T
	defs map[string]any
	seen map[reflect.Type]bool
}

func (w *walker) resolve(s map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		return w.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
	return s
}

func lowerCamel(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// compare checks struct type st against object schema s (path names the place for messages).
func (w *walker) compare(st reflect.Type, s map[string]any, path string) {
	if w.seen[st] {
		return
	}
	w.seen[st] = true
	s = w.resolve(s)
	props, ok := s["properties"].(map[string]any)
	if !ok {
		return // passed through as-is (json.RawMessage in the model): nothing to compare
	}
	for _, f := range reflect.VisibleFields(st) {
		if !f.IsExported() {
			continue
		}
		name := lowerCamel(f.Name)
		if _, skip := notInSchema[st.Name()+"."+name]; skip {
			continue
		}
		ps, ok := props[name].(map[string]any)
		if !ok {
			w.t.Errorf("%s.%s: AWS field missing from the schema (and the spec model)", path, name)
			continue
		}
		w.compareField(f.Type, ps, path+"."+name)
	}
}

func (w *walker) compareField(ft reflect.Type, s map[string]any, path string) {
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	s = w.resolve(s)
	switch ft.Kind() {
	case reflect.Slice:
		if items, ok := s["items"].(map[string]any); ok {
			w.compareField(ft.Elem(), items, path+"[]")
		}
	case reflect.Struct:
		if ft.PkgPath() == reflect.TypeOf(types.ContainerDefinition{}).PkgPath() {
			w.compare(ft, s, path)
		}
	}
}
