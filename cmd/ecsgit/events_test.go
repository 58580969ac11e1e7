package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/golden"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// TestEventsOutputGolden: the text and JSON lines of `ecsgit events` for a deployment.
func TestEventsOutputGolden(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m := ecsevents.NewMapper(ecsevents.Options{Namespace: "prod", Services: map[string]string{"web": "web"}, Now: func() time.Time { return t0 }})
	batches := []nomadbackend.EventBatch{
		{Index: 10, Events: []nomadbackend.Event{{Index: 10, Deployment: &nomadbackend.DeploymentEvent{ID: "dep-1", JobID: "web", Status: nomadbackend.DeploymentRunning, ModifyTime: t0}}}},
		{Index: 11, Events: []nomadbackend.Event{{Index: 11, Alloc: &nomadbackend.AllocEvent{ID: "task-1", JobID: "web", ClientStatus: "running", DesiredStatus: "run",
			CreateTime: t0, ModifyTime: t0.Add(2 * time.Second), Tasks: []nomadbackend.TaskStateEvent{{Name: "app", State: "running", StartedAt: t0.Add(time.Second)}}}}}},
		{Index: 12, Events: []nomadbackend.Event{{Index: 12, Deployment: &nomadbackend.DeploymentEvent{ID: "dep-1", JobID: "web", Status: nomadbackend.DeploymentSuccessful, Desired: 1, ModifyTime: t0.Add(9 * time.Second)}}}},
	}
	var evs []ecsevents.Event
	for _, b := range batches {
		evs = append(evs, m.Map(b)...)
	}
	for _, format := range []string{outputHuman, outputJSON} {
		var buf bytes.Buffer
		for _, ev := range evs {
			if err := writeEvent(&buf, format, ev); err != nil {
				t.Fatal(err)
			}
		}
		golden.Check(t, filepath.Join("testdata", "events", "deployment."+format), buf.Bytes(), "ecsgit events -o "+format)
	}
}
