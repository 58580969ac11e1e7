package compose

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"

	"github.com/ecsgit/ecsgit/internal/golden"
)

// goldenOutput is what a golden file holds: the documents, the apply order, every
// fidelity note and every diagnostic, in their stable text forms.
type goldenOutput struct {
	TaskDefinitions []spec.TaskDefinition  `json:"taskDefinitions"`
	Services        []goldenService        `json:"services"`
	Fields          map[string]spec.PosMap `json:"fields,omitempty"`
	Fidelity        []string               `json:"fidelity"`
	Diagnostics     []string               `json:"diagnostics"`
}

type goldenService struct {
	spec.Service
	After []string `json:"after,omitempty"`
}

// TestGolden converts testdata/golden/NAME.yaml (plus NAME-b.yaml merged after
// NAME-a.yaml, like -f a -f b) and compares with NAME.json. Run with -update to accept.
func TestGolden(t *testing.T) {
	dir, err := filepath.Abs("testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, in := range inputs {
		if strings.HasSuffix(in, "-b.yaml") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		t.Run(name, func(t *testing.T) {
			files := []string{in}
			if b := strings.TrimSuffix(in, "-a.yaml") + "-b.yaml"; strings.HasSuffix(in, "-a.yaml") {
				files = append(files, b)
			}
			got := goldenRun(t, files, dir)
			golden.Check(t, filepath.Join(dir, strings.TrimSuffix(name, "-a")+".json"), got, "compose conversion of "+name)
		})
	}
}

func goldenRun(t *testing.T, files []string, dir string) []byte {
	t.Helper()
	res, diags := LoadAndConvert(context.Background(), Options{
		Files:       files,
		DisplayRoot: dir,
		// A fixed environment: golden output must not depend on the machine.
		Environment: map[string]string{"TAG": "2.0"},
	})
	out := goldenOutput{TaskDefinitions: []spec.TaskDefinition{}, Services: []goldenService{}, Fidelity: []string{}, Diagnostics: []string{}}
	if res != nil {
		out.Fields = map[string]spec.PosMap{}
		for _, td := range res.TaskDefinitions {
			out.TaskDefinitions = append(out.TaskDefinitions, td.TaskDefinition)
			out.Fields[td.Family] = td.Fields
			for _, n := range td.Fidelity {
				out.Fidelity = append(out.Fidelity, noteString(n))
			}
		}
		for _, s := range res.Services {
			out.Services = append(out.Services, goldenService{Service: s.Service, After: s.After})
			for _, n := range s.Fidelity {
				out.Fidelity = append(out.Fidelity, noteString(n))
			}
		}
	}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, d.String())
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func noteString(n spec.FidelityNote) string {
	return n.Pos.String() + ": " + string(n.Level) + ": " + n.Field + ": " + n.Detail + " [" + n.Rule + "]"
}

// diffLines shows the first differing lines: enough to see what changed.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
