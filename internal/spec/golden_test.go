package spec

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/golden"
)

// TestLoadBroken is the contract for diagnostics: the intentionally broken files under
// testdata/broken trigger (nearly) every rule, and the golden file shows the exact
// one-line messages users see.
func TestLoadBroken(t *testing.T) {
	d, err := Load("testdata/broken", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, diag := range d.Diagnostics {
		b.WriteString(diag.String() + "\n")
	}
	checkGolden(t, "broken.golden", b.String())
}

// checkGolden compares got with testdata/<name>; -update rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got), "")
}
