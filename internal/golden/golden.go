// Package golden compares test output with golden files and, with `go test -update`,
// rewrites them. Every package's golden tests use it, so -update means the same thing
// everywhere and a mismatch always shows a readable diff.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files (and generated docs) instead of comparing")

// Update reports whether the test run was asked to rewrite golden files.
func Update() bool { return *update }

// Check compares got with the file at path. With -update it writes got there instead
// (creating directories). reason, when given, says what the case is for.
func Check(t testing.TB, path string, got []byte, reason string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		if reason != "" {
			reason = " (" + reason + ")"
		}
		t.Errorf("%s differs%s (-want +got); if the change is intended, run go test with -update:\n%s", path, reason, diff)
	}
}
