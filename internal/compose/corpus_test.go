package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"

	"github.com/ecsgit/ecsgit/internal/golden"
)

// corpusEnv names the directory of the awesome-compose corpus (one directory per
// application). CI's .ci/run sets it when the corpus is next to the repository.
const corpusEnv = "ECSGIT_COMPOSE_CORPUS"

// corpusDir is the corpus directory from corpusEnv. Without the variable the test is
// skipped, saying which data is missing and how to get it: a clone alone must pass its own
// tests. With the variable set, a missing directory fails the test, so CI, which sets it,
// never passes on a corpus it did not read.
func corpusDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv(corpusEnv)
	if d == "" {
		t.Skip("compose corpus not available: set " + corpusEnv + " to a checkout of github.com/docker/awesome-compose to run this test (CI sets it)")
	}
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("compose corpus: %s=%s: %v", corpusEnv, d, err)
	}
	return d
}

type corpusOutcome struct {
	app       string
	services  int
	refusals  []string // "service.key: message"
	nonExact  []string // "service.key (level)"
	loadError string
}

// TestCorpus converts every application of the corpus through spec.Load with this
// package's hook. Each must either convert into definitions that pass spec's validation,
// or be refused with errors that name the service and the key. The outcome table in
// docs/compose.md is generated from this run (-update) and checked to be current.
func TestCorpus(t *testing.T) {
	root := corpusDir(t)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []corpusOutcome
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		files, _ := filepath.Glob(filepath.Join(dir, "compose.y*ml"))
		if len(files) == 0 {
			continue
		}
		outcomes = append(outcomes, convertCorpusApp(t, e.Name(), dir))
	}
	if len(outcomes) == 0 {
		t.Fatalf("no compose applications under %s", root)
	}
	table := corpusTable(outcomes)
	updateDocSection(t, "corpus", table)
}

func convertCorpusApp(t *testing.T, app, dir string) (o corpusOutcome) {
	o.app = app
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", app, r)
		}
	}()
	d, err := spec.Load(dir, spec.LoadOptions{Compose: LoadForSpec})
	if err != nil {
		t.Fatalf("%s: %v", app, err)
	}
	o.services = len(d.Services)
	for _, diag := range d.Diagnostics {
		if diag.Severity != spec.SeverityError {
			continue
		}
		switch {
		case diag.Rule == RuleLoad:
			if diag.Pos.Line == 0 {
				t.Errorf("%s: load error without a line: %s", app, diag)
			}
			o.loadError = diag.Message
		case strings.HasPrefix(diag.Rule, "COMPOSE-"):
			if !strings.Contains(diag.Message, `service "`) || !strings.Contains(diag.Message, "services.") || diag.Pos.Line == 0 {
				t.Errorf("%s: refusal does not name the service, key and line: %s", app, diag)
			}
			msg := diag.Message
			if i := strings.Index(msg, "services."); i >= 0 {
				msg = msg[i+len("services."):]
			}
			o.refusals = append(o.refusals, msg)
		default:
			// The converter produced something spec rejects: a converter bug.
			t.Errorf("%s: converted output fails validation: %s", app, diag)
		}
	}
	seen := map[string]bool{}
	add := func(notes []spec.FidelityNote) {
		for _, n := range notes {
			k := strings.TrimPrefix(n.Field, "services.") + " (" + string(n.Level) + ")"
			if !seen[k] {
				seen[k] = true
				o.nonExact = append(o.nonExact, k)
			}
		}
	}
	for _, fam := range sortedKeys(d.TaskDefinitions) {
		add(d.TaskDefinitions[fam].Fidelity)
	}
	for _, s := range d.Services {
		add(s.Fidelity)
	}
	sort.Strings(o.nonExact)
	sort.Strings(o.refusals)
	return o
}

func corpusTable(outcomes []corpusOutcome) string {
	var b strings.Builder
	conv, part, ref := 0, 0, 0
	for _, o := range outcomes {
		switch {
		case o.loadError == "" && len(o.refusals) == 0:
			conv++
		case o.services > 0:
			part++
		default:
			ref++
		}
	}
	fmt.Fprintf(&b, "%d applications: %d convert completely, %d convert in part (some services refused), %d are refused.\n\n", len(outcomes), conv, part, ref)
	b.WriteString("| application | outcome | refused (service.key: reason) | non-exact keys |\n|---|---|---|---|\n")
	for _, o := range outcomes {
		outcome := fmt.Sprintf("converted (%d services)", o.services)
		switch {
		case o.loadError != "":
			outcome = "refused by compose-go"
		case len(o.refusals) > 0 && o.services > 0:
			outcome = fmt.Sprintf("partly converted (%d services)", o.services)
		case len(o.refusals) > 0:
			outcome = "refused"
		}
		refused := o.refusals
		if o.loadError != "" {
			refused = append([]string{o.loadError}, refused...)
		}
		for i, r := range refused {
			// The reason after the first clause is the same for every build-only service.
			if j := strings.Index(r, ";"); j >= 0 {
				r = r[:j]
			}
			refused[i] = mdEscape(r)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", o.app, outcome, strings.Join(refused, "<br>"), mdEscape(strings.Join(o.nonExact, ", ")))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// updateDocSection replaces (with -update) or checks the generated section NAME of
// docs/compose.md, delimited by <!-- BEGIN NAME --> and <!-- END NAME -->.
func updateDocSection(t *testing.T, name, content string) {
	t.Helper()
	path := filepath.Join("..", "..", "docs", "compose.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- BEGIN "+name+" (generated by go test ./compose -update) -->\n", "<!-- END "+name+" -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: markers for section %q not found", path, name)
	}
	updated := doc[:i+len(begin)] + content + doc[j:]
	if updated == doc {
		return
	}
	if golden.Update() {
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/compose.md section %q is out of date; run go test ./compose -update:\n%s", name, diffLines(doc[i+len(begin):j], content))
}
