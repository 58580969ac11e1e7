package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every JSON file under the example repository and the broken test files
// (the committed corpus in testdata/fuzz adds the inputs fuzzing found interesting).
func addSeeds(f *testing.F) {
	for _, pattern := range []string{"../../examples/gitops/*/*.json", "testdata/broken/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

// FuzzDecodeTaskDefinition: no input may panic decoding, normalization or validation, and
// every diagnostic must carry a rule and a position in the file.
func FuzzDecodeTaskDefinition(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		td, diags := DecodeTaskDefinition("f.json", src)
		checkDiags(t, diags)
		if td != nil {
			NormalizeTaskDefinition(&td.TaskDefinition)
			checkDiags(t, ValidateTaskDefinition(td))
		}
	})
}

func FuzzDecodeService(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		s, diags := DecodeService("f.json", src)
		checkDiags(t, diags)
		if s != nil {
			NormalizeService(&s.Service)
			checkDiags(t, ValidateService(s))
		}
	})
}

func FuzzParseCQL(f *testing.F) {
	for _, s := range []string{"attribute:ecs.instance-type =~ t2.*", "not(task:group == db) and attribute:a in [x, y]", "(((", "attribute:a !exists || !(b == c)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseCQL(s)
		if err == nil {
			// The canonical form must parse to the same canonical form.
			again, err := ParseCQL(e.String())
			if err != nil || again.String() != e.String() {
				t.Fatalf("round trip of %q: %q → %v", s, e.String(), err)
			}
		}
	})
}

func checkDiags(t *testing.T, ds Diagnostics) {
	t.Helper()
	for _, d := range ds {
		if d.Rule == "" || d.Pos.File != "f.json" {
			t.Fatalf("diagnostic without rule or file: %+v", d)
		}
	}
}
