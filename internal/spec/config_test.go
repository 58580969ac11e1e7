package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"valid", "version: 1\nnamespace: apps\n", nil},
		{"missing version", "namespace: apps\n", []string{`c.yaml:1:1: error: ecsgit.yaml: "version" is required (use version: 1) [ECS-CFG-001]`}},
		{"unknown version", "version: 2\n", []string{`c.yaml:1:10: error: ecsgit.yaml: version "2" is not supported by this ecsgit (supported: 1); upgrade ecsgit or use version: 1 [ECS-CFG-001]`}},
		{"unknown key", "version: 1\nnamespce: apps\n", []string{`c.yaml:2:1: error: (top level): unknown field "namespce": did you mean "namespace"? [ECS-JSON-002]`}},
		{"nested key and type", "version: 1\nservices:\n  web:\n    afer: [api]\nprune: yes please\n", []string{
			`c.yaml:4:5: error: services.web: unknown field "afer": did you mean "after"? [ECS-JSON-002]`,
			`c.yaml:5:8: error: prune: expected boolean, got string "yes please" [ECS-JSON-004]`,
		}},
		{"host log drivers", "version: 1\nhostLogDrivers: [json-file, awslogs]\n", nil},
		{"bad host log driver", "version: 1\nhostLogDrivers: [json-file, loki, awsfirelens]\n", []string{
			`c.yaml:2:29: error: hostLogDrivers[1]: "loki" is not a Docker log driver ECS knows (json-file, syslog, journald, gelf, fluentd, awslogs, splunk) [ECS-CFG-002]`,
			`c.yaml:2:35: error: hostLogDrivers[2]: "awsfirelens" is not a Docker log driver ECS knows (json-file, syslog, journald, gelf, fluentd, awslogs, splunk) [ECS-CFG-002]`,
		}},
		{"bad glob", "version: 1\nexclude: ['[']\n", []string{`c.yaml:2:11: error: exclude[0]: invalid glob "[": syntax error in pattern [ECS-CFG-002]`}},
		// The line (and column, where the YAML library knows it) goes into the position.
		{"yaml syntax", "version: [1\n", []string{"c.yaml:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence) [ECS-JSON-001]"}},
		{"yaml syntax with column", "version: 1\nnamespace: a\n  prune: true\n", []string{"c.yaml:3:8: error: invalid YAML: mapping values are not allowed in this context [ECS-JSON-001]"}},
		{"yaml syntax with context position", "version: 1\nnamespace: 'a\n", []string{"c.yaml:3: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 2, column 12) [ECS-JSON-001]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := ParseConfig("c.yaml", []byte(tt.src))
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	cfg, _ := ParseConfig("c.yaml", []byte("version: 1\nnamespace: apps\n"))
	if cfg.Namespace != "apps" || cfg.CPUMHzPerVCPU != 1024 {
		t.Errorf("defaults not kept: %+v", cfg)
	}
}

func TestDiscoverIncludeExclude(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/td.json", "a/b/svc.json", "legacy/x.json", ".hidden/y.json", "c/compose.yaml", "c/notes.txt"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		include, exclude []string
		want             []string
	}{
		{nil, nil, []string{"a/b/svc.json", "a/td.json", "c/compose.yaml", "legacy/x.json"}},
		{nil, []string{"legacy/**"}, []string{"a/b/svc.json", "a/td.json", "c/compose.yaml"}},
		{[]string{"a/**/*.json"}, nil, []string{"a/b/svc.json", "a/td.json"}},
		{[]string{"*.json"}, []string{"svc.json"}, []string{"a/td.json", "legacy/x.json"}},
	}
	for _, tt := range tests {
		got, err := discover(dir, Config{Include: tt.include, Exclude: tt.exclude})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("include %v exclude %v (-want +got):\n%s", tt.include, tt.exclude, diff)
		}
	}
}
