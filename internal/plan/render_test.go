package plan

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsgit/ecsgit/internal/spec"

	goldenfile "github.com/ecsgit/ecsgit/internal/golden"
)

// examplePlan holds every case a reviewer can meet: create, update with replace,
// scale-only, delete (prune), skip of an unowned job, drift, degraded, placement
// failure, a masked secret and fidelity notes.
func examplePlan() *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		CreatedAt:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Source:        "https://github.com/acme/deploy.git",
		Commit:        "4f2a9c1",
		Namespace:     "default",
		NomadAddress:  "http://127.0.0.1:4646",
		Diagnostics: spec.Diagnostics{{
			Pos: spec.Pos{File: "services/web.json", Line: 7, Col: 5}, Severity: spec.SeverityWarning,
			Rule: "ECS-SVC-012", Message: "healthCheckGracePeriodSeconds has no effect without a load balancer",
		}},
		Services: []ServicePlan{
			{
				Service: "api", JobID: "ecsgit-api", Action: ActionCreate,
				NewTaskDefinition: "api:1",
				Changes: []FieldChange{
					{Path: "containerDefinitions[api].image", New: "acme/api:1.0.0", Kind: KindAdded, ForcesReplacement: true},
					{Path: "desiredCount", New: "2", Kind: KindAdded},
				},
				Placement: &Placement{OK: true, Place: 2},
				Rollout:   &Rollout{DesiredCount: 2, MinimumHealthyPercent: 100, MaximumPercent: 200, MinHealthy: 2, MaxRunning: 4, Mechanism: "canary=2 auto_promote", Exact: true},
				Fidelity: []spec.FidelityNote{{
					Field: "services.api.deploy.update_config.order", Level: spec.FidelityApproximate,
					Detail: "start-first maps to canaries; old tasks stop only after all canaries are healthy",
				}},
				SpecHash: "sha256:aa", NomadDiffType: "Added",
			},
			{
				Service: "web", JobID: "ecsgit-web", Action: ActionUpdate, Update: UpdateReplace,
				OldTaskDefinition: "web-task:3", NewTaskDefinition: "web-task:4",
				Changes: []FieldChange{
					{Path: "containerDefinitions[web].environment[DB_PASSWORD]", Old: SensitiveValue, New: SensitiveValue, Kind: KindChanged, Masked: true, ForcesReplacement: true},
					{Path: "containerDefinitions[web].environment[LOG_LEVEL]", Old: "info", New: "debug", Kind: KindChanged, ForcesReplacement: true},
					{Path: "containerDefinitions[web].image", Old: "acme/web:1.4.2", New: "acme/web:1.5.0", Kind: KindChanged, ForcesReplacement: true},
					{Path: "containerDefinitions[web].memory", Old: "512", New: "8192", Kind: KindChanged, ForcesReplacement: true},
					{Path: "loadBalancers: nomad:task[web].Service.Tags", Old: "traefik.http.routers.tg-web-tg-front-80-r20.rule=PathRegexp(`^/web/.*$`)", New: "traefik.http.routers.tg-web-tg-front-80-r20.rule=PathRegexp(`^/app/.*$`)", Kind: KindChanged},
				},
				Routes: []Route{
					{Listener: "front:80", Priority: 20, Conditions: "path-pattern /app/* AND host-header *.example.com", TargetGroup: "web-tg"},
					{Listener: "front:80", TargetGroup: "web-tg"},
				},
				Placement: &Placement{OK: false, Failures: []string{"insufficient memory on 3 of 3 nodes"}, Canary: 4},
				Rollout: &Rollout{DesiredCount: 4, MinimumHealthyPercent: 100, MaximumPercent: 200, MinHealthy: 4, MaxRunning: 8,
					TasksReplaced: 4, BatchSize: 4, Mechanism: "canary=4 auto_promote", Exact: true,
					CircuitBreaker: "fails after 3 failed tasks; rolls back to web-task:3"},
				Fidelity: []spec.FidelityNote{{
					Field: "containerDefinitions[web].healthCheck.startPeriod", Level: spec.FidelityApproximate,
					Detail: "becomes the check_restart grace; failures during it still mark the task unhealthy in the deployment",
				}, {
					Field: "containerDefinitions[web].logConfiguration", Level: spec.FidelityUnsupported,
					Detail: "awslogs is not available; logs stay in Nomad's log files",
				}},
				JobModifyIndex: 812, SpecHash: "sha256:bb", NomadDiffType: "Edited",
			},
			{
				Service: "worker", JobID: "ecsgit-worker", Action: ActionUpdate, Update: UpdateScale,
				OldTaskDefinition: "worker:7", NewTaskDefinition: "worker:7",
				Changes:   []FieldChange{{Path: "desiredCount", Old: "2", New: "5", Kind: KindChanged}},
				Placement: &Placement{OK: true, Place: 3, Ignore: 2},
				Drifted:   true,
				DriftChanges: []FieldChange{
					{Path: "desiredCount", Old: "2", New: "3", Kind: KindChanged},
				},
				JobModifyIndex: 640, SpecHash: "sha256:cc", NomadDiffType: "Edited",
			},
			{
				Service: "billing", JobID: "ecsgit-billing", Action: ActionUpdate, Update: UpdateInPlace,
				OldTaskDefinition: "billing:12", NewTaskDefinition: "billing:12",
				Changes:        []FieldChange{{Path: "deploymentConfiguration.maximumPercent", Old: "200", New: "150", Kind: KindChanged}},
				Degraded:       true,
				Reason:         "billing:13 failed its health checks on 2026-02-28 and was rolled back to billing:12",
				Placement:      &Placement{OK: true, InPlace: 3},
				JobModifyIndex: 590, SpecHash: "sha256:dd", NomadDiffType: "Edited",
			},
			{
				Service: "old-cron", JobID: "ecsgit-old-cron", Action: ActionDelete,
				OldTaskDefinition: "old-cron:2",
				Reason:            "services/old-cron.json was removed from the repository",
				Placement:         &Placement{OK: true, Stop: 1},
				JobModifyIndex:    120, NomadDiffType: "Deleted",
			},
			{
				Service: "redis", JobID: "ecsgit-redis", Action: ActionSkip,
				Reason:         "a Nomad job named ecsgit-redis exists and is not managed by ecsgit (no ecsgit.managed-by meta)",
				JobModifyIndex: 77,
			},
			{Service: "cache", JobID: "ecsgit-cache", Action: ActionNoop, OldTaskDefinition: "cache:5", NewTaskDefinition: "cache:5", JobModifyIndex: 300, NomadDiffType: "None",
				Scaling: &Scaling{Min: 2, Max: 10, Current: new(5), Count: 5, Enabled: true}},
			{Service: "docs", JobID: "ecsgit-docs", Action: ActionNoop, OldTaskDefinition: "docs:9", NewTaskDefinition: "docs:9", JobModifyIndex: 301, NomadDiffType: "None",
				Scaling: &Scaling{Min: 4, Max: 20, Current: new(4), Count: 4, Enabled: true, ScheduledAction: "weekday-mornings", ScheduledAt: new(time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC))}},
		},
	}
	p.Summarize()
	return p
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name, file string
		format     Format
		opts       RenderOptions
		reason     string
	}{
		{"human non-TTY", "plan.human.golden", FormatHuman, RenderOptions{}, "a pipe or CI log gets no escape codes"},
		{"human TTY", "plan.human-color.golden", FormatHuman, RenderOptions{Color: true}, "a terminal gets colours"},
		{"human verbose", "plan.human-verbose.golden", FormatHuman, RenderOptions{Verbose: true}, "-v lists unchanged services"},
		{"json", "plan.json.golden", FormatJSON, RenderOptions{Color: true}, "the machine-readable contract; Color is ignored"},
		{"markdown", "plan.md.golden", FormatMarkdown, RenderOptions{Color: true}, "the pull-request comment; Color is ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, examplePlan(), tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, b.Bytes(), tt.reason)
		})
	}
}

func TestRenderNoChanges(t *testing.T) {
	p := &Plan{Source: "./deploy", Services: []ServicePlan{{Service: "cache", Action: ActionNoop, NewTaskDefinition: "cache:5", OldTaskDefinition: "cache:5"}}}
	var b bytes.Buffer
	if err := Render(&b, p, FormatHuman, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "ecsgit plan for ./deploy\n\n1 unchanged service hidden; -v to show\n\n" +
		"No changes. The cluster matches the desired state.\n" +
		"Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged.\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, &Plan{}, "yaml", RenderOptions{}); err == nil {
		t.Error("Render with format yaml: want an error")
	}
}

func TestRenderDoesNotModifyPlan(t *testing.T) {
	p := examplePlan()
	p.Summary = Summary{}
	before := *p
	if err := Render(&bytes.Buffer{}, p, FormatJSON, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, *p); diff != "" {
		t.Errorf("Render modified the plan (-before +after):\n%s", diff)
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		s    Summary
		want string
	}{
		{Summary{}, "Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged."},
		{Summary{Create: 1, Update: 2, Delete: 3, Unchanged: 4}, "Plan: 1 to create, 2 to update, 3 to delete, 4 unchanged."},
		{Summary{Update: 1, Skipped: 1, Drifted: 2, PlacementFailures: 1}, "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged, 1 skipped, 2 drifted, 1 with placement failures."},
	}
	for _, tt := range tests {
		if got := SummaryLine(tt.s); got != tt.want {
			t.Errorf("SummaryLine(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func golden(t *testing.T, file string, got []byte, reason string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", file), got, reason)
}
