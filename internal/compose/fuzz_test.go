package compose

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConvert feeds arbitrary bytes through compose-go's loader and the converter.
// Whatever the input, nothing may panic, and a converted project must come with
// positions for its documents.
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/golden/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("services:\n  a:\n    image: a\n    x-ecsgit: {task: t}\n  b:\n    image: b\n    x-ecsgit: {task: t}\n    depends_on: {a: {condition: service_healthy}}\n"))
	f.Add([]byte("x-base: &b {image: a, ports: ['1-3:1-3']}\nservices:\n  a: *b\n  c: {<<: *b, expose: ['1-99']}\n"))
	// YAML alias expansion ("billion laughs") must not blow up the position index.
	f.Add([]byte("x-a: &a [l,l,l,l,l,l,l,l,l]\nx-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nx-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nx-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nservices:\n  a: {image: a, labels: *f}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, _ := LoadAndConvert(context.Background(), Options{Files: []string{file}, DisplayRoot: dir, Environment: map[string]string{}})
		if res == nil {
			return
		}
		for _, td := range res.TaskDefinitions {
			if td.Pos.File == "" || td.Family == "" {
				t.Fatalf("task definition without position or family: %+v", td.Pos)
			}
		}
	})
}
