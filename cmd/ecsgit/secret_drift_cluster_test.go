package main

import (
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestSecretDriftNeverPrinted is the regression test of fault-trials D2: after an
// out-of-band change of a secret-looking environment variable, `plan` in all three formats
// and `apply` name the drifted field but print neither the Git value nor the live one.
// (Before the fix the drift lines and their reverse in Changes bypassed masking and
// printed both values in clear.)
func TestSecretDriftNeverPrinted(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	const gitValue, liveValue = "hunter2-secret-value", "hunter2-drifted-value"
	dir := t.TempDir()
	repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 1,
		Env: map[string]string{"DB_PASSWORD": gitValue, "LOG_LEVEL": "info"}}).Write(t, dir)
	if code, out, errOut := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, errOut)
	}

	// The out-of-band change, as `nomad job run` of an edited job would make it.
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	job.TaskGroups[0].Tasks[0].Env["DB_PASSWORD"] = liveValue
	if _, _, err := e.Client.Jobs().Register(job, e.WriteOptions()); err != nil {
		t.Fatal(err)
	}

	noSecret := func(what, out string) {
		t.Helper()
		for _, v := range []string{gitValue, liveValue, "hunter2"} {
			if strings.Contains(out, v) {
				t.Errorf("%s prints the secret value %q:\n%s", what, v, out)
			}
		}
	}
	for _, format := range []string{"human", "json", "markdown"} {
		code, out, errOut := e.run(t, "plan", "--output", format, "--detailed-exitcode", dir)
		if code != 2 {
			t.Errorf("plan -o %s: exit %d, want 2 (drift to correct)\n%s%s", format, code, out, errOut)
		}
		if !strings.Contains(out, "DB_PASSWORD") {
			t.Errorf("plan -o %s does not name the drifted field:\n%s", format, out)
		}
		noSecret("plan -o "+format, out+errOut)
	}
	code, out, errOut := e.run(t, "apply", "--auto-approve", dir)
	if code != exitOK || !strings.Contains(out, "DB_PASSWORD") {
		t.Errorf("apply after drift: exit %d, or the drifted field is not named\n%s%s", code, out, errOut)
	}
	noSecret("apply", out+errOut)

	// The drift was corrected: the live job has the Git value again.
	live, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := live.TaskGroups[0].Tasks[0].Env["DB_PASSWORD"]; got != gitValue {
		t.Errorf("after apply the live DB_PASSWORD is not the Git value (len %d)", len(got))
	}
}
