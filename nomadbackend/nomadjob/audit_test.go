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
