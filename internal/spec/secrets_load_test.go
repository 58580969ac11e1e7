package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A reference that maps to no Nomad variable is an error of `validate` (no cluster),
// at the reference's line and column, with the way out.
func TestSecretRefDiagnostic(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"ecsgit.yaml": "version: 1\n",
		"web-td.json": `{"family":"web","containerDefinitions":[{"name":"app","image":"app:1","memory":64,
  "secrets":[{"name":"DB","valueFrom":"/legacy/db.password"}]}]}`,
		"web-svc.json": `{"serviceName":"web","taskDefinition":"web","desiredCount":1}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range d.Diagnostics {
		if dg.Rule == RuleSecretRef {
			if got := dg.Pos.String(); got != filepath.Join(dir, "web-td.json")+":2:39" || !strings.Contains(dg.Message, "secrets.map") {
				t.Errorf("diagnostic %s: %s, want web-td.json:2:39 and the secrets.map way out", got, dg.Message)
			}
			return
		}
	}
	t.Fatalf("no %s diagnostic in %v", RuleSecretRef, d.Diagnostics)
}
