package spec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// numberWords are the numbers the SDK's docs spell out.
var numberWords = map[int]string{10: "ten", 5: "five"}

// TestRangesMatchSDK: every bound in Ranges is stated, with its numbers, in the doc
// comment of the SDK field it belongs to (found by walking the SDK input types beside the
// model, as the wire format matches them). A bound the SDK changes fails here.
func TestRangesMatchSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2/service/ecs").Output()
	if err != nil {
		t.Fatalf("locate the ECS SDK module: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	docs := map[string]string{} // "SDKType.Field" → doc comment, whitespace collapsed
	for _, pattern := range []string{"api_op_*.go", "types/types.go"} {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range files {
			collectFieldDocs(t, f, docs)
		}
	}
	sdkOf := map[string]reflect.Type{}
	mapTypes(reflect.TypeOf(ecs.RegisterTaskDefinitionInput{}), reflect.TypeOf(TaskDefinition{}), sdkOf)
	mapTypes(reflect.TypeOf(ecs.CreateServiceInput{}), reflect.TypeOf(Service{}), sdkOf)
	for key, r := range Ranges {
		modelType, jsonName, _ := strings.Cut(key, ".")
		st, ok := sdkOf[modelType]
		if !ok {
			t.Errorf("Ranges[%q]: model type %s has no SDK counterpart", key, modelType)
			continue
		}
		field := strings.ToUpper(jsonName[:1]) + jsonName[1:]
		doc, ok := docs[st.Name()+"."+field]
		if !ok {
			t.Errorf("Ranges[%q]: no doc comment for SDK field %s.%s", key, st.Name(), field)
			continue
		}
		if !strings.Contains(doc, r.Doc) {
			t.Errorf("Ranges[%q]: the SDK's doc of %s.%s no longer says %q", key, st.Name(), field, r.Doc)
		}
		for _, n := range []int{r.Min, r.Max} {
			if n == 0 && r.Min == 0 {
				continue // a lower bound of 0 is a count's, stated by nothing
			}
			word, spelled := numberWords[n]
			if !strings.Contains(strings.ReplaceAll(r.Doc, ",", ""), strconv.Itoa(n)) && !(spelled && strings.Contains(r.Doc, word+" ")) {
				t.Errorf("Ranges[%q]: %d is not in the quoted documentation %q", key, n, r.Doc)
			}
		}
	}
}

func collectFieldDocs(t *testing.T, file string, docs map[string]string) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fld := range st.Fields.List {
			if fld.Doc == nil {
				continue
			}
			text := strings.Join(strings.Fields(fld.Doc.Text()), " ")
			for _, name := range fld.Names {
				docs[ts.Name.Name+"."+name.Name] = text
			}
		}
		return false
	})
}

// mapTypes records, for each model struct type, the SDK struct type at the same place.
func mapTypes(sdk, model reflect.Type, out map[string]reflect.Type) {
	if _, done := out[model.Name()]; done {
		return
	}
	out[model.Name()] = sdk
	byJSON := fieldsByJSONName(model)
	for _, f := range reflect.VisibleFields(sdk) {
		if !f.IsExported() {
			continue
		}
		mf, ok := byJSON[sdkJSONName(f)]
		if !ok {
			continue
		}
		st, mt := elem(f.Type), elem(mf.Type)
		if st.Kind() == reflect.Struct && mt.Kind() == reflect.Struct && mt != rawMessageType {
			mapTypes(st, mt, out)
		}
	}
}
