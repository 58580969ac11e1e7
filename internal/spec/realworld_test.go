package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// TestRealWorldShapes: the definitions under testdata/realworld (shaped like the AWS
// documentation's examples) load without an error or a warning, and each file decodes
// strictly into the SDK's input type, so they are AWS's shapes and not only ecsgit's.
// cmd/ecsgit's TestValidateRealWorld runs `validate --strict` on the same directories.
func TestRealWorldShapes(t *testing.T) {
	dirs := realWorldDirs(t, "testdata/realworld")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			d, err := Load(dir, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Diagnostics.HasErrors(true) {
				t.Errorf("want no errors or warnings:\n%s", diagLines(d.Diagnostics))
			}
			if len(d.Services) != 1 || len(d.TaskDefinitions) != 1 {
				t.Errorf("want one service and one task definition, got %d and %d", len(d.Services), len(d.TaskDefinitions))
			}
			for _, f := range d.Files {
				src, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				var into any = &ecs.RegisterTaskDefinitionInput{}
				switch base := filepath.Base(f); {
				case strings.HasPrefix(base, "service"):
					into = &ecs.CreateServiceInput{}
				case strings.HasPrefix(base, "targetgroup"):
					into = &elbv2.CreateTargetGroupInput{}
				}
				dec := json.NewDecoder(bytes.NewReader(src))
				dec.DisallowUnknownFields()
				if err := dec.Decode(into); err != nil {
					t.Errorf("%s does not decode into the SDK's %T: %v", f, into, err)
				}
			}
		})
	}
}

// realWorldDirs lists the example repositories under root (at least the four the tests
// promise).
func realWorldDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	if len(dirs) < 4 {
		t.Fatalf("%s: want at least 4 example repositories, found %v", root, dirs)
	}
	return dirs
}
