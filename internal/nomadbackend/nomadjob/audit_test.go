package nomadjob

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
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
	// Normalized as the loader does: an explicit false and an absent boolean are the same.
	spec.NormalizeTaskDefinition(&td)
	spec.NormalizeService(&svc)
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

// W3, W4: memberOf on the CPU architecture uses the values nodes report; an or over one
// approximate attribute keeps its note.
func TestMemberOfValuesAndNotes(t *testing.T) {
	tests := []struct {
		expr, target, operand string
		note                  string // "" = no note on the expression
	}{
		{"attribute:ecs.cpu-architecture == x86_64", "amd64", "=", ""},
		{"attribute:ecs.cpu-architecture != x86_64", "amd64", "!=", ""},
		{"attribute:ecs.cpu-architecture in [x86_64, arm64]", "amd64,arm64", "set_contains_any", ""},
		{"attribute:ecs.cpu-architecture == x86_64 or attribute:ecs.cpu-architecture == arm64", "amd64,arm64", "set_contains_any", ""},
		{"attribute:ecs.instance-type == t3.large or attribute:ecs.instance-type == m5.large", "t3.large,m5.large", "set_contains_any", "AWS fingerprinter"},
		{"ec2InstanceId == i-1 or ec2InstanceId == i-2", "i-1,i-2", "set_contains_any", "EC2 instance IDs do not match"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			svc := spec.Service{DesiredCount: new(1), PlacementConstraints: []spec.PlacementConstraint{{Type: "memberOf", Expression: tt.expr}}}
			tr := translateOK(t, simpleTask(), svc)
			cons := tr.Job.TaskGroups[0].Constraints
			if len(cons) != 1 || cons[0].RTarget != tt.target || cons[0].Operand != tt.operand {
				t.Fatalf("constraints = %+v, want one %s %q", cons, tt.operand, tt.target)
			}
			notes := noteOn(tr, "placementConstraints[0].expression")
			if tt.note == "" && len(notes) > 0 {
				t.Errorf("unexpected note: %v", notes)
			}
			if tt.note != "" {
				mustNote(t, tr, "placementConstraints[0].expression", spec.FidelityApproximate, tt.note)
			}
		})
	}
}

// S1–S4: fields that were accepted and dropped without a word.
func TestSilentlyDroppedFieldsAreNoted(t *testing.T) {
	daemonWithStrategies := spec.Service{SchedulingStrategy: "DAEMON", PlacementStrategy: []spec.PlacementStrategy{{Type: "spread", Field: "instanceId"}}}
	tests := []struct {
		name  string
		td    func(*spec.TaskDefinition)
		svc   spec.Service
		field string
		level spec.FidelityLevel
		want  string
	}{
		{"cluster", nil, spec.Service{DesiredCount: new(1), Cluster: "prod-eu"}, "cluster", spec.FidelityApproximate, `the cluster name prod-eu is not used`},
		{"clientToken", nil, spec.Service{DesiredCount: new(1), ClientToken: "tok"}, "clientToken", spec.FidelityUnsupported, "idempotency token"},
		{"earlySuccessCriteria", nil, spec.Service{DesiredCount: new(1), DeploymentConfiguration: &spec.DeploymentConfiguration{
			EarlySuccessCriteria: json.RawMessage(`{"enable":true,"healthyPercent":50}`)}}, "deploymentConfiguration.earlySuccessCriteria", spec.FidelityUnsupported, "early success is not translated"},
		{"autoprovision false", func(td *spec.TaskDefinition) {
			td.Volumes = []spec.Volume{{Name: "data", DockerVolumeConfiguration: &spec.DockerVolumeConfiguration{Scope: spec.VolumeScopeShared, Autoprovision: new(false)}}}
		}, spec.Service{DesiredCount: new(1)}, "volumes[0].dockerVolumeConfiguration.autoprovision", spec.FidelityApproximate, "Docker creates the shared volume"},
		{"autoprovision absent", func(td *spec.TaskDefinition) {
			td.Volumes = []spec.Volume{{Name: "data", DockerVolumeConfiguration: &spec.DockerVolumeConfiguration{Scope: spec.VolumeScopeShared, Driver: "rexray/ebs"}}}
		}, spec.Service{DesiredCount: new(1)}, "volumes[0].dockerVolumeConfiguration.autoprovision", spec.FidelityApproximate, "autoprovision false, the default"},
		{"placement strategies on DAEMON", nil, daemonWithStrategies, "placementStrategy", spec.FidelityUnsupported, "no effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := simpleTask()
			if tt.td != nil {
				tt.td(&td)
			}
			mustNote(t, translateOK(t, td, tt.svc), tt.field, tt.level, tt.want)
		})
	}
}

// W9: a probe of a container without a network cannot be a Nomad check (it runs on the
// client and would never pass).
func TestDisableNetworkingHasNoNomadCheck(t *testing.T) {
	td := simpleTask()
	c := &td.ContainerDefinitions[0]
	c.DisableNetworking = new(true)
	c.PortMappings = []spec.PortMapping{{ContainerPort: new(8080)}}
	c.HealthCheck = &spec.HealthCheck{Command: []string{"CMD-SHELL", "curl -f http://localhost:8080/health"}}
	tr := translateOK(t, td, spec.Service{DesiredCount: new(1)})
	if s := tr.Job.TaskGroups[0].Tasks[0].Services; len(s) > 0 {
		t.Errorf("a check is registered for a container without a network: %+v", s[0].Checks)
	}
	if hc := *tr.Job.TaskGroups[0].Update.HealthCheck; hc != "task_states" {
		t.Errorf("update.health_check = %s, want task_states", hc)
	}
	mustNote(t, tr, "containerDefinitions[app].healthCheck.command", spec.FidelityApproximate, "disableNetworking")
}

// N1, N2, N5, N7: consequences that depend on the clients' plugin or scheduler
// configuration are noted.
func TestClientConfigurationDependentNotes(t *testing.T) {
	tests := []struct {
		name   string
		change func(*spec.TaskDefinition)
		field  string
		want   string // "" = no note on field
	}{
		{"capability beyond allow_caps", func(td *spec.TaskDefinition) {
			td.ContainerDefinitions[0].LinuxParameters = &spec.LinuxParameters{Capabilities: &spec.KernelCapabilities{Add: []string{"NET_ADMIN", "CHOWN"}}}
		}, "containerDefinitions[app].linuxParameters.capabilities.add", "net_admin outside the docker plugin's default allow_caps"},
		{"capability within allow_caps", func(td *spec.TaskDefinition) {
			td.ContainerDefinitions[0].LinuxParameters = &spec.LinuxParameters{Capabilities: &spec.KernelCapabilities{Add: []string{"CHOWN", "CAP_KILL"}}}
		}, "containerDefinitions[app].linuxParameters.capabilities.add", ""},
		{"host pid", func(td *spec.TaskDefinition) { td.PidMode = "host" }, "pidMode", "allows host pid mode"},
		{"host ipc", func(td *spec.TaskDefinition) { td.IpcMode = "host" }, "ipcMode", "allows host ipc mode"},
		{"stopTimeout above Nomad's default cap", func(td *spec.TaskDefinition) { td.ContainerDefinitions[0].StopTimeout = new(90) },
			"containerDefinitions[app].stopTimeout", "needs max_kill_timeout of at least 90 s"},
		{"stopTimeout within Nomad's default cap", func(td *spec.TaskDefinition) { td.ContainerDefinitions[0].StopTimeout = new(30) },
			"containerDefinitions[app].stopTimeout", ""},
		{"memoryReservation", func(td *spec.TaskDefinition) { td.ContainerDefinitions[0].MemoryReservation = new(32) },
			"containerDefinitions[app].memoryReservation", "needs memory oversubscription"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := simpleTask()
			tt.change(&td)
			tr := translateOK(t, td, spec.Service{DesiredCount: new(1)})
			if tt.want == "" {
				if n := noteOn(tr, tt.field); len(n) > 0 {
					t.Errorf("unexpected note: %v", n)
				}
				return
			}
			mustNote(t, tr, tt.field, spec.FidelityApproximate, tt.want)
		})
	}
}

// N8: the sidecar note said Nomad restarts a *failed* sidecar; it restarts one that
// exits 0 too.
func TestSidecarNoteSaysEveryExitRestarts(t *testing.T) {
	td := containers(spec.ContainerDefinition{Name: "app"}, spec.ContainerDefinition{Name: "helper", Essential: new(false)})
	tr := translateOK(t, td, spec.Service{DesiredCount: new(1)})
	mustNote(t, tr, "containerDefinitions[helper].essential", spec.FidelityApproximate, "even with code 0")
}
