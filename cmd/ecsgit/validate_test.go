package main

import (
	"os"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const broken = "../../internal/spec/testdata/broken"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		reason   string
	}{
		{"examples", []string{"validate", "../../examples/gitops"}, 0, "the quick-start repository is valid"},
		{"broken", []string{"validate", broken}, 1, "every rule's message, sorted by position; notes hidden"},
		{"broken-verbose", []string{"validate", "-v", broken}, 1, "notes shown with -v"},
		{"broken-json", []string{"validate", "--output", "json", broken + "/typos.json"}, 1, "JSON array, same set as text"},
		{"files", []string{"validate", broken + "/dup-a.json", broken + "/dup-b.json"}, 1, "files given one by one are checked together"},
		{"strict", []string{"validate", "--strict", broken + "/dup-a.json"}, 0, "no warnings: strict passes"},
		{"strict-warning", []string{"validate", "--strict", "testdata/validate/warning.json"}, 1, "a warning fails with --strict"},
		{"warning", []string{"validate", "testdata/validate/warning.json"}, 0, "a warning alone passes"},
		{"strict-advice", []string{"validate", "--strict", "testdata/validate/untagged.json"}, 0, "advice (an untagged image) is shown and never fails, not even with --strict"},
		{"bad-output", []string{"validate", "-o", "yaml"}, exitUsage, "usage error"},
		{"missing-path", []string{"validate", "no/such/dir"}, exitUsage, "a path that does not exist is a usage error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (%s)\nstderr: %s", code, tt.wantCode, tt.reason, errOut)
			}
			checkGolden(t, "validate/"+tt.name+".golden", "# "+tt.reason+"\n## stdout\n"+out+"## stderr\n"+errOut)
		})
	}
}

func TestSchemaCommand(t *testing.T) {
	for _, name := range []string{"taskdef", "service", "config"} {
		code, out, _ := runCLI(t, "schema", name)
		if code != 0 || len(out) < 100 || out[0] != '{' {
			t.Errorf("schema %s: code %d, output %.40q", name, code, out)
		}
	}
	if code, _, _ := runCLI(t, "schema", "nope"); code != exitUsage {
		t.Errorf("schema nope: code %d, want %d", code, exitUsage)
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, _ := runCLI(t, "completion", sh)
		if code != 0 || len(out) < 100 {
			t.Errorf("completion %s: code %d, %d bytes", sh, code, len(out))
		}
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range []string{"validate", "schema", "completion"} {
		code, out, _ := runCLI(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help: code %d, no Examples section", cmd, code)
		}
	}
}

// TestValidateRealWorld: `validate --strict` (what CI is told to run) passes on the
// examples and on valid definitions shaped like real ones: a Fargate web app with
// FireLens, an EC2 bridge app with links, a daemon with host networking, an awsvpc app
// with an Envoy sidecar.
func TestValidateRealWorld(t *testing.T) {
	const root = "../../internal/spec/testdata/realworld"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	dirs := []string{"../../examples/gitops", "../../examples/compose-app"}
	for _, e := range entries {
		if e.IsDir() {
			n++
			dirs = append(dirs, root+"/"+e.Name())
		}
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			code, out, errOut := runCLI(t, "validate", "--strict", dir)
			if code != 0 {
				t.Errorf("validate --strict %s: exit %d, want 0\nstdout: %s\nstderr: %s", dir, code, out, errOut)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line != "" && !strings.Contains(line, ": advice: ") {
					t.Errorf("validate --strict %s: want at most advice, got: %s", dir, line)
				}
			}
		})
	}
	if n < 4 {
		t.Fatalf("%s: %d example repositories, want at least 4", root, n)
	}
}
