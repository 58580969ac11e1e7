package reconcile

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The engine reaches Nomad only through its Cluster interface (cluster.go): no product
// file under reconcile/ may import Nomad's api module. Tests may, to check the cluster
// around ecsgit, as a user would with the nomad CLI.
func TestEngineDoesNotImportNomadAPI(t *testing.T) {
	const forbidden = "github.com/hashicorp/nomad"
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == forbidden || strings.HasPrefix(p, forbidden+"/") {
				t.Errorf("%s imports %s: go through reconcile.Cluster (nomadbackend) instead", fset.Position(imp.Pos()), p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d files: is the test running in reconcile/?", checked)
	}
}
