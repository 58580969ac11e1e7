package nomadjob

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/spec"
)

// The cases of the translation audit (shared/reviews/translation-audit: W = wrong
// translation or note, S = silently dropped, N = missing note). Each failed before its
// fix.

// noteOn returns the notes on field (exactly).
func noteOn(tr *Translation, field string) []spec.FidelityNote {
	var out []spec.FidelityNote
	for _, n := range tr.Fidelity {
		if n.Field == field {
			out = append(out, n)
		}
	}
	return out
}

func translateOK(t *testing.T, td spec.TaskDefinition, svc spec.Service) *Translation {
	t.Helper()
	d, doc := desiredFor(td, svc)
	tr, err := Translate(d, doc, TranslateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func mustNote(t *testing.T, tr *Translation, field string, level spec.FidelityLevel, contains string) {
	t.Helper()
	for _, n := range noteOn(tr, field) {
		if n.Level == level && strings.Contains(n.Detail, contains) {
			return
		}
	}
	t.Errorf("no %s note on %s containing %q; notes: %v", level, field, contains, tr.Fidelity)
}

// W1: an S3 Files volume was mounted as an empty scratch volume, with a note that
// called it one.
func TestS3FilesVolumeIsNotAScratchVolume(t *testing.T) {
	td := simpleTask()
	td.Volumes = []spec.Volume{{Name: "s3", S3filesVolumeConfiguration: json.RawMessage(`{"fileSystemArn":"arn:aws:s3files:eu-west-1:1:file-system/fs-1"}`)}}
	td.ContainerDefinitions[0].MountPoints = []spec.MountPoint{{SourceVolume: "s3", ContainerPath: "/data"}}
	tr := translateOK(t, td, spec.Service{DesiredCount: new(1)})
	if m := tr.Job.TaskGroups[0].Tasks[0].Config["mount"]; m != nil {
		t.Errorf("an S3 Files volume is mounted: %v", m)
	}
	mustNote(t, tr, "volumes[0].s3filesVolumeConfiguration", spec.FidelityUnsupported, "not translated")
	for _, n := range tr.Fidelity {
		if strings.Contains(n.Detail, "scratch") {
			t.Errorf("note calls the S3 Files volume a scratch volume: %s", n.Detail)
		}
	}
}

func containers(cs ...spec.ContainerDefinition) spec.TaskDefinition {
	for i := range cs {
		if cs[i].Image == "" {
			cs[i].Image = "example/" + cs[i].Name + ":1"
		}
		cs[i].Memory = new(64)
	}
	return spec.TaskDefinition{ContainerDefinitions: cs}
}

func dependsOn(name, cond string) []spec.ContainerDependency {
	return []spec.ContainerDependency{{ContainerName: name, Condition: cond}}
}

// W5, W6, W7: the dependsOn notes say what Nomad does with the tiers the containers get.
func TestDependsOnNotesMatchTheTiers(t *testing.T) {
	tests := []struct {
		name      string
		td        spec.TaskDefinition
		field     string
		level     spec.FidelityLevel
		want      string // in the note
		wantNever string // never in any note on the field
	}{
		{
			// W5: a non-essential container depending on an essential one is a poststart
			// sidecar: it does start after the main task, so START holds.
			name:      "non-essential after essential START",
			td:        containers(spec.ContainerDefinition{Name: "app"}, spec.ContainerDefinition{Name: "side", Essential: new(false), DependsOn: dependsOn("app", "START")}),
			field:     "containerDefinitions[side].dependsOn[0]",
			wantNever: "main tasks",
		},
		{
			// W6: HEALTHY between two essential containers: both main tasks, started together.
			name:      "essential HEALTHY on essential",
			td:        containers(spec.ContainerDefinition{Name: "db"}, spec.ContainerDefinition{Name: "api", DependsOn: dependsOn("db", "HEALTHY")}),
			field:     "containerDefinitions[api].dependsOn[0]",
			level:     spec.FidelityUnsupported,
			want:      "both main tasks: Nomad starts them together",
			wantNever: "starts once",
		},
		{
			// W7: COMPLETE between two prestart tasks: Nomad runs them concurrently.
			name: "COMPLETE between two prestart tasks",
			td: containers(
				spec.ContainerDefinition{Name: "init", Essential: new(false)},
				spec.ContainerDefinition{Name: "waiter", Essential: new(false), DependsOn: dependsOn("init", "COMPLETE")},
				spec.ContainerDefinition{Name: "main", DependsOn: dependsOn("waiter", "SUCCESS")}),
			field: "containerDefinitions[waiter].dependsOn[0]",
			level: spec.FidelityUnsupported,
			want:  "both prestart tasks: Nomad starts them together, without order",
		},
		{
			name:  "HEALTHY on a prestart sidecar",
			td:    containers(spec.ContainerDefinition{Name: "proxy", Essential: new(false)}, spec.ContainerDefinition{Name: "app", DependsOn: dependsOn("proxy", "HEALTHY")}),
			field: "containerDefinitions[app].dependsOn[0]",
			level: spec.FidelityUnsupported,
			want:  "is running, not healthy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := translateOK(t, tt.td, spec.Service{DesiredCount: new(1)})
			notes := noteOn(tr, tt.field)
			if tt.want == "" && len(notes) > 0 {
				t.Errorf("want no note on %s, got %v", tt.field, notes)
			}
			if tt.want != "" {
				mustNote(t, tr, tt.field, tt.level, tt.want)
			}
			for _, n := range notes {
				if tt.wantNever != "" && strings.Contains(n.Detail, tt.wantNever) {
					t.Errorf("wrong note on %s: %s", tt.field, n.Detail)
				}
			}
		})
	}
}
