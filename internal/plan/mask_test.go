package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLeafName(t *testing.T) {
	for path, want := range map[string]string{
		"containerDefinitions[web].environment[DB_PASSWORD]":   "DB_PASSWORD",
		"containerDefinitions[web].dockerLabels[com.acme.key]": "com.acme.key",
		`containerDefinitions[web].environment["A]B"]`:         "A]B",
		`containerDefinitions[web].environment["ab["]`:         "ab[",
		"nomad:task[app].Env.DB_PASSWORD":                      "DB_PASSWORD",
		"nomad:task[app].Config.image":                         "image",
		"containerDefinitions[web].image":                      "image",
		"desiredCount":                                         "desiredCount",
		"job":                                                  "job",
	} {
		if got := leafName(path); got != want {
			t.Errorf("leafName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestNewFieldChange(t *testing.T) {
	tests := []struct {
		name          string
		path, old, nw string
		kind          ChangeKind
		want          FieldChange
	}{
		{
			name: "secret env var in ECS terms",
			path: "containerDefinitions[app].environment[DB_PASSWORD]", kind: KindChanged, old: "hunter2", nw: "s3cr3t-new",
			want: FieldChange{Path: "containerDefinitions[app].environment[DB_PASSWORD]", Kind: KindChanged, Old: SensitiveValue, New: SensitiveValue, Masked: true},
		},
		{
			name: "secret env var in Nomad terms",
			path: "nomad:task[app].Env.API_TOKEN", kind: KindAdded, nw: "abc",
			want: FieldChange{Path: "nomad:task[app].Env.API_TOKEN", Kind: KindAdded, New: SensitiveValue, Masked: true},
		},
		{
			name: "removed secret keeps New empty",
			path: "nomad:task[app].Env.DB_PASS", kind: KindRemoved, old: "x",
			want: FieldChange{Path: "nomad:task[app].Env.DB_PASS", Kind: KindRemoved, Old: SensitiveValue, Masked: true},
		},
		{
			name: "a value that looks like a token, whatever its name",
			path: "nomad:task[app].Env.UPSTREAM", kind: KindChanged, old: "postgres://app:pw@db/app", nw: "postgres://app:pw2@db/app",
			want: FieldChange{Path: "nomad:task[app].Env.UPSTREAM", Kind: KindChanged, Old: SensitiveValue, New: SensitiveValue, Masked: true},
		},
		{
			name: "an ordinary variable is shown",
			path: "containerDefinitions[app].environment[LOG_LEVEL]", kind: KindChanged, old: "info", nw: "debug",
			want: FieldChange{Path: "containerDefinitions[app].environment[LOG_LEVEL]", Kind: KindChanged, Old: "info", New: "debug"},
		},
		{
			name: "fields that name a secret are shown",
			path: "containerDefinitions[app].repositoryCredentials.credentialsParameter", kind: KindAdded, nw: "arn:aws:secretsmanager:eu-west-1:1:secret:reg",
			want: FieldChange{Path: "containerDefinitions[app].repositoryCredentials.credentialsParameter", Kind: KindAdded, New: "arn:aws:secretsmanager:eu-west-1:1:secret:reg"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewFieldChange(tt.path, tt.kind, tt.old, tt.nw)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("NewFieldChange (-want +got):\n%s", d)
			}
			if again := redactChange(got); again != got {
				t.Errorf("redacting twice changed the change: %+v", again)
			}
		})
	}
}

// secretPlan holds secret values in clear in every place a field change can be, built as
// a producer that forgot the rules would build it (the review's drift probe, W2).
func secretPlan() *Plan {
	return &Plan{Services: []ServicePlan{{
		Service: "web", JobID: "web", Action: ActionUpdate, Update: UpdateReplace, Drifted: true,
		Changes: []FieldChange{
			{Path: "containerDefinitions[app].environment[DB_PASSWORD]", Old: "hunter2-drifted", New: "hunter2-git", Kind: KindChanged},
			{Path: "containerDefinitions[app].environment[LOG_LEVEL]", Old: "info", New: "debug", Kind: KindChanged},
		},
		DriftChanges: []FieldChange{
			{Path: "containerDefinitions[app].environment[DB_PASSWORD]", Old: "hunter2-git", New: "hunter2-drifted", Kind: KindChanged},
			{Path: "nomad:task[app].Env.SESSION_SECRET", New: "hunter2-added", Kind: KindAdded},
		},
	}}}
}

// TestRenderRedactsEveryChange: whatever built the changes, no view prints a secret value,
// and each still names the field that changed.
func TestRenderRedactsEveryChange(t *testing.T) {
	for _, f := range []Format{FormatHuman, FormatJSON, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			p := secretPlan()
			var b bytes.Buffer
			if err := Render(&b, p, f, RenderOptions{Verbose: true}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.Contains(out, "hunter2") {
				t.Errorf("%s view prints a secret value:\n%s", f, out)
			}
			for _, want := range []string{"environment[DB_PASSWORD]", "Env.SESSION_SECRET", "debug"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s view lacks %q:\n%s", f, want, out)
				}
			}
			if d := cmp.Diff(secretPlan(), p); d != "" {
				t.Errorf("Render modified the plan it was given (-before +after):\n%s", d)
			}
		})
	}
}

// TestPlanFileRedacts: a plan file holds no secret value in its plan, and a plan read
// back is redacted too. The file still verifies.
func TestPlanFileRedacts(t *testing.T) {
	pf, err := NewPlanFile(secretPlan(), map[string]json.RawMessage{"web": json.RawMessage(`{"ID":"web"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Save(&b, pf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "hunter2") {
		t.Errorf("the plan file holds a secret value:\n%s", b.String())
	}
	got, err := Load(&b)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range got.Plan.Services {
		for _, c := range append(sp.Changes, sp.DriftChanges...) {
			if strings.Contains(c.Old+c.New, "hunter2") {
				t.Errorf("loaded plan holds a secret value: %+v", c)
			}
		}
	}
}

// TestRenderMasksDeclaredSecretNames: a variable the task gets from secrets is masked in
// every view even when its name looks harmless (CONN) and its value does not look
// random: an out-of-band edit may have put the secret's value into the job's env.
func TestRenderMasksDeclaredSecretNames(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			p := &Plan{FormatVersion: FormatVersion, Services: []ServicePlan{{
				Service: "web", JobID: "web", Action: ActionUpdate, Drifted: true, SecretNames: []string{"CONN"},
				Changes:      []FieldChange{NewFieldChange("nomad:task[app].Env[CONN]", KindRemoved, "plain words", "")},
				DriftChanges: []FieldChange{NewFieldChange("nomad:task[app].Env[CONN]", KindAdded, "", "plain words")},
			}}}
			p.Summarize()
			var b bytes.Buffer
			if err := Render(&b, p, f, RenderOptions{Verbose: true}); err != nil {
				t.Fatal(err)
			}
			if out := b.String(); strings.Contains(out, "plain words") || !strings.Contains(out, "Env[CONN]") {
				t.Errorf("%s view: want Env[CONN] named and its value masked:\n%s", f, out)
			}
		})
	}
}
