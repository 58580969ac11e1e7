package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
	"github.com/sirupsen/logrus"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadDiagnostics checks that compose-go's errors and warnings come back as
// diagnostics at the right file and line, for each message shape compose-go produces.
func TestLoadDiagnostics(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        map[string]string
		want       string // "LINE:COL severity substring"
	}{
		{"schema", "services:\n  web:\n    image: nginx\n    foo: 1\n", nil, "4:5 error services.web.foo"},
		{"interpolation required", "services:\n  web:\n    image: ${IMG:?image must be set}\n", nil, "3:5 error image must be set"},
		{"yaml syntax", "services:\n  web:\n    image: [nginx\n  x: 1\n", nil, "3:4 error did not find expected"},
		{"undefined dependency", "services:\n  web:\n    image: nginx\n    depends_on: [db]\n", nil, "2:3 error undefined service \"db\""},
		{"extends missing", "services:\n  web:\n    extends: {service: base}\n", nil, "2:3 error service \"base\" not found"},
		{"bad duration", "services:\n  web:\n    image: nginx\n    healthcheck:\n      interval: 3x\n", nil, "5:7 error unknown unit"},
		{"bad port", "services:\n  web:\n    image: nginx\n    ports:\n      - \"abc:xyz\"\n", nil, "5:9 error invalid containerPort"},
		{"scale mismatch", "services:\n  web:\n    image: nginx\n    scale: 2\n    deploy: {replicas: 3}\n", nil, "2:3 error distinct values"},
		{"unset variable", "services:\n  web:\n    image: nginx\n    environment:\n      A: ${UNSET_X}\n", map[string]string{}, "5:10 warning \"UNSET_X\" variable is not set"},
		{"yaml 1.1 bool", "services:\n  web:\n    image: nginx\n    privileged: yes\n", nil, "4:17 warning \"yes\" for boolean"},
		{"version", "version: \"3.8\"\nservices:\n  web:\n    image: nginx\n", nil, "1:1 warning `version` attribute is obsolete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"compose.yaml": c.yaml})
			env := c.env
			if env == nil {
				env = map[string]string{}
			}
			_, diags := Load(context.Background(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, DisplayRoot: dir, Environment: env})
			pos, rest, _ := strings.Cut(c.want, " ")
			sev, substr, _ := strings.Cut(rest, " ")
			for _, d := range diags {
				if string(d.Severity) == sev && strings.Contains(d.Message, substr) {
					got := strings.TrimPrefix(d.Pos.String(), "compose.yaml:")
					if got != pos {
						t.Errorf("%q at %s, want %s", d.Message, got, pos)
					}
					if strings.Contains(d.Message, dir) {
						t.Errorf("message contains the temporary directory: %s", d.Message)
					}
					return
				}
			}
			t.Errorf("no %s containing %q in %v", sev, substr, diags)
		})
	}
}

// TestLoadDoesNotWriteToLogrus checks that compose-go's warnings are captured, not
// logged, and that the logger is restored afterwards.
func TestLoadDoesNotWriteToLogrus(t *testing.T) {
	var buf strings.Builder
	logrus.SetOutput(&buf)
	defer logrus.SetOutput(os.Stderr)
	dir := writeFiles(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: ${NOPE}x\n"})
	_, diags := Load(context.Background(), Options{Files: []string{filepath.Join(dir, "compose.yaml")}, Environment: map[string]string{}})
	if buf.Len() != 0 {
		t.Errorf("logrus output during load: %q", buf.String())
	}
	if len(diags) == 0 {
		t.Error("the unset-variable warning was lost")
	}
	logrus.Warn("after")
	if !strings.Contains(buf.String(), "after") {
		t.Error("logrus output not restored")
	}
}

// TestLoadFeatures covers what compose-go resolves before conversion: .env and process
// environment, env_file, extends across files, include, profiles and merge order.
func TestLoadFeatures(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".env":          "TAG=from-dotenv\nPORT=81\n",
		"app.env":       "FROM_FILE=1\n",
		"base.yaml":     "services:\n  base:\n    image: base:${TAG}\n    environment: {BASE: \"1\"}\n",
		"inc/more.yaml": "services:\n  included:\n    image: inc:1\n",
		"compose.yaml": `include: [inc/more.yaml]
services:
  web:
    extends: {file: base.yaml, service: base}
    env_file: app.env
    ports: ["${PORT}:80"]
  debug:
    image: debug:1
    profiles: [debug]
`,
		"override.yaml": "services:\n  web:\n    environment: {BASE: \"2\"}\n",
	})
	res, diags := LoadAndConvert(context.Background(), Options{
		Files:       []string{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "override.yaml")},
		DisplayRoot: dir,
		Environment: map[string]string{"TAG": "from-env"},
	})
	if diags.HasErrors(false) || res == nil {
		t.Fatalf("diagnostics: %v", diags)
	}
	byFamily := map[string]*spec.TaskDefinitionDoc{}
	for _, td := range res.TaskDefinitions {
		byFamily[td.Family] = td
	}
	if len(byFamily) != 2 || byFamily[filepath.Base(dir)+"-debug"] != nil {
		t.Fatalf("families %v: want web and included, no profile-disabled debug", keysOf(byFamily))
	}
	web := byFamily[filepath.Base(dir)+"-web"].ContainerDefinitions[0]
	if web.Image != "base:from-env" {
		t.Errorf("image %q: the process environment must win over .env", web.Image)
	}
	env := map[string]string{}
	for _, kv := range web.Environment {
		env[kv.Name] = kv.Value
	}
	if env["BASE"] != "2" || env["FROM_FILE"] != "1" {
		t.Errorf("environment %v: want the override's BASE=2 and env_file's FROM_FILE=1", env)
	}
	if *web.PortMappings[0].HostPort != 81 {
		t.Errorf("host port %d: want 81 from .env", *web.PortMappings[0].HostPort)
	}
	// A note about an extended key points into the file that writes it.
	if pos := byFamily[filepath.Base(dir)+"-web"].Fields["containerDefinitions[0].image"]; pos.File != "base.yaml" || pos.Line != 3 {
		t.Errorf("image position %v, want base.yaml:3", pos)
	}
}

func keysOf[V any](m map[string]V) []string { return sortedKeys(m) }
