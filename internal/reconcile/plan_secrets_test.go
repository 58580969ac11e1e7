package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// A secret the tasks would read at start must exist (path and key) before anything is
// planned as a change: the plan fails with the reference's file:line:col, the path and
// the key, and makes no further call (no dry-run, no register).
func TestPlanRefusesMissingSecrets(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"ecsgit.yaml": "version: 1\n",
		"web-td.json": `{"family":"web","containerDefinitions":[{"name":"web","image":"app:1","memory":64,
  "secrets":[{"name":"DB_PASSWORD","valueFrom":"/prod/db/password"},
             {"name":"API_KEY","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf:key::"}]}]}`,
		"web-svc.json": `{"serviceName":"web","taskDefinition":"web","desiredCount":1}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	desired, err := spec.Load(dir, spec.LoadOptions{})
	if err != nil || desired.Diagnostics.HasErrors(false) {
		t.Fatalf("load: %v %v", err, desired.Diagnostics)
	}
	tests := []struct {
		name    string
		secrets map[string][]string
		want    []string // substrings of the error, "" = no error
	}{
		{"both missing", nil, []string{
			filepath.Join(dir, "web-td.json") + ":2:48: containerDefinitions[web].secrets[DB_PASSWORD]: Nomad variable \"secrets/prod/db/password\" does not exist in namespace \"default\"",
			filepath.Join(dir, "web-td.json") + ":3:44: containerDefinitions[web].secrets[API_KEY]: Nomad variable \"secrets/prod/api\" does not exist",
			"ecsgit secrets put secrets/prod/api key",
		}},
		{"key missing", map[string][]string{"secrets/prod/db/password": {"value"}, "secrets/prod/api": {"other"}}, []string{
			"Nomad variable \"secrets/prod/api\" (namespace \"default\") has no key \"key\" (it has: other)",
		}},
		{"all there", map[string][]string{"secrets/prod/db/password": {"value"}, "secrets/prod/api": {"key", "other"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCluster(t)
			f.secrets = tt.secrets
			p, err := ComputePlanned(t.Context(), desired, f, PlanOptions{Source: fakeSource})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("plan: %v", err)
				}
				if got := p.Plan.Services[0].Action; got == "" {
					t.Fatalf("no action planned")
				}
				return
			}
			var missing *SecretMissingError
			if !errors.As(err, &missing) {
				t.Fatalf("plan error = %v, want a SecretMissingError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("plan error lacks %q:\n%v", w, err)
				}
			}
			if Classify(err) != ClassWait {
				t.Errorf("Classify = %v, want wait (the daemon retries until the secret is created)", Classify(err))
			}
			for _, c := range f.calls {
				if strings.HasPrefix(c, "register") || strings.HasPrefix(c, "plan") {
					t.Errorf("call %q after a missing secret", c)
				}
			}
		})
	}
}
