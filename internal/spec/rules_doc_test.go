package spec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryRuleDocumented: each rule ID constant of the package has a row in
// docs/validation-rules.md, so a new rule cannot ship without its documentation.
func TestEveryRuleDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/validation-rules.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(node ast.Node) bool {
			vs, ok := node.(*ast.ValueSpec)
			if !ok || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Rule") {
				return true
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			n++
			if !strings.Contains(string(doc), "| "+id+" |") {
				t.Errorf("%s (%s, %s) has no row in docs/validation-rules.md", id, vs.Names[0].Name, f)
			}
			return true
		})
	}
	if n < 60 {
		t.Fatalf("found %d rule constants; the parser missed some", n)
	}
}
