// Package schemas holds the JSON Schemas (draft 2020-12) of the files ecsgit reads: ECS task
// definitions, ECS service definitions, ecsgit.yaml and schedules (EventBridge Scheduler
// schedules and CloudWatch Events rules with an ECS target). They serve editors (autocompletion,
// inline errors) and `ecsgit schema`. They are generated from package spec's model (see
// generate_test.go), so the schema and the strict decoder accept the same fields; semantic
// rules (ranges, cross-field checks) live only in spec, with rule IDs.
package schemas

import (
	"embed"
	"fmt"
	"slices"
)

//go:embed *.schema.json
var files embed.FS

// Names of the embedded schemas, as `ecsgit schema NAME` takes them.
var Names = []string{"taskdef", "service", "config", "schedule"}

// FileName returns the embedded file of a schema name.
func FileName(name string) string { return name + ".schema.json" }

// Get returns the schema called name (one of Names).
func Get(name string) ([]byte, error) {
	if !slices.Contains(Names, name) {
		return nil, fmt.Errorf("unknown schema %q (want one of %v)", name, Names)
	}
	return files.ReadFile(FileName(name))
}
