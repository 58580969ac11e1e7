package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"

	"github.com/ecsgit/ecsgit/internal/spec"
)

func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	raw, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(FileName(name), doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(FileName(name))
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return s
}

// TestExamplesValidate: every definition in examples/ (found by spec.Load's conventions)
// and every ecsgit.yaml is accepted by the schemas.
func TestExamplesValidate(t *testing.T) {
	td, svc, cfg := compile(t, "taskdef"), compile(t, "service"), compile(t, "config")
	d, err := spec.Load("../../examples", spec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TaskDefinitions) == 0 {
		t.Fatal("no task definitions found under examples/")
	}
	check := func(s *jsonschema.Schema, file string, src []byte) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := s.Validate(doc); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	for _, doc := range d.TaskDefinitions {
		check(td, doc.Pos.File, mustRead(t, doc.Pos.File))
	}
	for _, doc := range d.Services {
		check(svc, doc.Pos.File, mustRead(t, doc.Pos.File))
	}
	cfgs, _ := filepath.Glob("../../examples/*/" + spec.ConfigFileName)
	for _, f := range cfgs {
		check(cfg, f, yamlToJSON(t, f))
	}
}

func TestSchemaRejectsTypos(t *testing.T) {
	s := compile(t, "taskdef")
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"family":"f","containerDefinitions":[{"name":"a","image":"i:1","portMapping":[]}]}`)))
	if err := s.Validate(doc); err == nil {
		t.Error("unknown container field accepted")
	}
}

// yamlToJSON reads a YAML file as the JSON document the schema validates.
func yamlToJSON(t *testing.T, f string) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(mustRead(t, f), &v); err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return j
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
