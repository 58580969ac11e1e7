package nomadjob

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// desiredFor builds a one-service Desired by hand, for table tests.
func desiredFor(td spec.TaskDefinition, svc spec.Service) (*spec.Desired, *spec.ServiceDoc) {
	if td.Family == "" {
		td.Family = "fam"
	}
	if svc.ServiceName == "" {
		svc.ServiceName = "svc"
	}
	svc.TaskDefinition = td.Family
	doc := &spec.ServiceDoc{Service: svc}
	d := &spec.Desired{
		Config:          spec.DefaultConfig(),
		TaskDefinitions: map[string]*spec.TaskDefinitionDoc{td.Family: {TaskDefinition: td}},
		Services:        []*spec.ServiceDoc{doc},
	}
	// Every target group the service names exists (a repository without it does not
	// validate), with ELB's defaults, behind one listener.
	for _, lb := range svc.LoadBalancers {
		if lb.TargetGroupArn == "" || d.TargetGroup(lb.TargetGroupArn) != nil {
			continue
		}
		name := spec.ELBResourceName(lb.TargetGroupArn)
		d.TargetGroups = append(d.TargetGroups, &spec.TargetGroupDoc{ELBTargetGroup: spec.ELBTargetGroup{Name: name, Protocol: "HTTP"}})
		d.Listeners = append(d.Listeners, &spec.ListenerDoc{LoadBalancer: "lb", ELBListener: spec.ELBListener{LoadBalancerArn: "lb", Protocol: "HTTP", Port: new(80),
			DefaultActions: []spec.ELBAction{{Type: "forward", TargetGroupArn: name}}}})
	}
	return d, doc
}

func simpleTask() spec.TaskDefinition {
	return spec.TaskDefinition{ContainerDefinitions: []spec.ContainerDefinition{{Name: "app", Image: "ecsgit-demo/app:1", Memory: new(64)}}}
}

func serviceWith(desired, minPct, maxPct int) spec.Service {
	return spec.Service{
		DesiredCount: new(desired),
		DeploymentConfiguration: &spec.DeploymentConfiguration{
			MinimumHealthyPercent: new(minPct), MaximumPercent: new(maxPct),
		},
	}
}

// TestRolloutClasses checks every (min%, max%) class against decision 7: the mechanism,
// its batch, and whether ECS's bounds hold exactly.
func TestRolloutClasses(t *testing.T) {
	tests := []struct {
		desired, minPct, maxPct int
		class, mechanism        string
		exact                   bool
		minHealthy, maxRunning  int
	}{
		{4, 100, 200, "blue-green", "canary=4 auto_promote max_parallel=4", true, 4, 8},
		{3, 100, 300, "blue-green", "canary=3 auto_promote max_parallel=3", true, 3, 9},
		{4, 50, 100, "rolling", "max_parallel=2", true, 2, 4},
		{4, 50, 200, "rolling", "max_parallel=2", true, 2, 8},
		{5, 0, 100, "rolling", "max_parallel=5", true, 0, 5},
		{4, 75, 100, "rolling", "max_parallel=1", true, 3, 4},
		{4, 100, 150, "partial-surge", "canary=2 auto_promote max_parallel=1", false, 4, 6},
		{10, 100, 110, "partial-surge", "canary=1 auto_promote max_parallel=1", false, 10, 11},
		{1, 50, 200, "blue-green", "canary=1 auto_promote max_parallel=1", true, 1, 2}, // ceil(0.5) = 1: no task may stop
		{0, 100, 200, "none", "desiredCount 0: no deployment", true, 0, 0},
		{4, 50, 75, "rolling", "max_parallel=2", false, 2, 3},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("D%d_%d_%d", tt.desired, tt.minPct, tt.maxPct)
		t.Run(name, func(t *testing.T) {
			d, svc := desiredFor(simpleTask(), serviceWith(tt.desired, tt.minPct, tt.maxPct))
			tr, err := Translate(d, svc, TranslateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := tr.Rollout
			want := ceilDiv(tt.desired*tt.minPct, 100)
			if r.MinHealthy != want || r.MaxRunning != tt.desired*tt.maxPct/100 {
				t.Errorf("bounds = %d/%d, want %d/%d", r.MinHealthy, r.MaxRunning, want, tt.desired*tt.maxPct/100)
			}
			if r.Class != tt.class || r.Mechanism != tt.mechanism || r.Exact != tt.exact {
				t.Errorf("got %s %q exact=%t, want %s %q exact=%t (worst case %q)", r.Class, r.Mechanism, r.Exact, tt.class, tt.mechanism, tt.exact, r.WorstCase)
			}
			if !r.Exact && r.WorstCase == "" {
				t.Error("inexact rollout without a worst case")
			}
			u := tr.Job.TaskGroups[0].Update
			if u.MaxParallel == nil || *u.MaxParallel < 1 {
				t.Errorf("max_parallel %v: 0 would disable deployments", u.MaxParallel)
			}
		})
	}
}

// TestRolloutStuck: configurations ECS can never progress are refused, not translated
// into a rollout that hangs.
func TestRolloutStuck(t *testing.T) {
	for _, c := range [][3]int{{2, 75, 100}, {3, 100, 125}, {1, 100, 100}} {
		d, svc := desiredFor(simpleTask(), serviceWith(c[0], c[1], c[2]))
		_, err := Translate(d, svc, TranslateOptions{})
		if err == nil || !strings.Contains(err.Error(), "can never progress") {
			t.Errorf("%v: err = %v, want a can-never-progress error", c, err)
		}
	}
}

func TestFailureThreshold(t *testing.T) {
	tests := []struct {
		desired int
		tc      *spec.ThresholdConfiguration
		want    int
	}{
		{1, nil, 3}, {6, nil, 3}, {25, nil, 13}, {1000, nil, 200},
		{10, &spec.ThresholdConfiguration{Type: "COUNT", Value: 7}, 7},
		{10, &spec.ThresholdConfiguration{Type: "BOUNDED_PERCENT", Value: 20}, 3},
		{10, &spec.ThresholdConfiguration{Type: "UNBOUNDED_PERCENT", Value: 20}, 2},
	}
	for _, tt := range tests {
		if got := failureThreshold(tt.desired, tt.tc); got != tt.want {
			t.Errorf("failureThreshold(%d, %+v) = %d, want %d", tt.desired, tt.tc, got, tt.want)
		}
	}
}

func TestParseProbe(t *testing.T) {
	tests := []struct {
		cmd  []string
		want probe
		ok   bool
	}{
		{[]string{"CMD", "/app", "--probe", "http://localhost:8080/healthz"}, probe{"http", 8080, "/healthz"}, true},
		{[]string{"CMD", "/app", "--probe=http://127.0.0.1:81"}, probe{"http", 81, "/"}, true},
		{[]string{"CMD-SHELL", "curl -f http://localhost:3000/a/b || exit 1"}, probe{"http", 3000, "/a/b"}, true},
		{[]string{"CMD-SHELL", "curl --fail http://localhost/"}, probe{"http", 80, "/"}, true},
		{[]string{"CMD-SHELL", "curl http://localhost/"}, probe{}, false}, // no -f: passes on HTTP 500
		{[]string{"CMD-SHELL", "wget -q -O- http://localhost:8080/x?y=1"}, probe{"http", 8080, "/x?y=1"}, true},
		{[]string{"CMD-SHELL", "nc -z localhost 5432"}, probe{"tcp", 5432, ""}, true},
		{[]string{"CMD-SHELL", "nc -zv -w 2 127.0.0.1 6379"}, probe{"tcp", 6379, ""}, true},
		{[]string{"CMD-SHELL", "curl -f http://db:8080/"}, probe{}, false}, // another host
		{[]string{"CMD-SHELL", "curl -f https://localhost/"}, probe{}, false},
		{[]string{"CMD-SHELL", "pg_isready"}, probe{}, false},
		{[]string{"CMD"}, probe{}, false},
	}
	for _, tt := range tests {
		got, ok := parseProbe(tt.cmd)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseProbe(%q) = %+v, %t; want %+v, %t", tt.cmd, got, ok, tt.want, tt.ok)
		}
	}
}

// TestTranslateDeterministic: same input, byte-identical job JSON and notes, whatever
// the map iteration order (maps are rebuilt on every call, so repeated runs exercise
// different orders).
func TestTranslateDeterministic(t *testing.T) {
	for _, tc := range goldenCases {
		d := repotest.Load(t, "testdata/translate/"+tc.name)
		var first []byte
		var firstNotes, firstHash string
		for i := range 20 {
			tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "s"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := JobJSON(tr.Job)
			if err != nil {
				t.Fatal(err)
			}
			notes := notesReport(tr)
			if i == 0 {
				first, firstNotes, firstHash = b, notes, tr.SpecHash
				continue
			}
			if !bytes.Equal(b, first) || notes != firstNotes || tr.SpecHash != firstHash {
				t.Fatalf("%s: translation %d differs from the first", tc.name, i)
			}
		}
	}
}

// TestOwnershipMetaStable: meta holds only the two ownership keys, whatever changes in
// the spec (decision 2), so a spec change never adds a meta-only restart.
func TestOwnershipMetaStable(t *testing.T) {
	td := simpleTask()
	d, svc := desiredFor(td, serviceWith(2, 100, 200))
	a, err := Translate(d, svc, TranslateOptions{Source: "repo"})
	if err != nil {
		t.Fatal(err)
	}
	td.ContainerDefinitions[0].Image = "ecsgit-demo/app:2"
	td.Tags = []spec.Tag{{Key: "k", Value: "v"}}
	d2, svc2 := desiredFor(td, serviceWith(2, 100, 200))
	b, err := Translate(d2, svc2, TranslateOptions{Source: "repo"})
	if err != nil {
		t.Fatal(err)
	}
	if a.SpecHash == b.SpecHash {
		t.Error("spec hash did not change with the image")
	}
	want := map[string]string{MetaManagedBy: ManagedByValue, MetaSource: "repo"}
	for _, tr := range []*Translation{a, b} {
		if fmt.Sprint(tr.Job.Meta) != fmt.Sprint(want) {
			t.Errorf("job meta = %v, want only %v", tr.Job.Meta, want)
		}
		if tr.Job.TaskGroups[0].Meta != nil || tr.Job.TaskGroups[0].Tasks[0].Meta != nil {
			t.Error("group/task meta must stay empty")
		}
	}
}

func TestTranslateErrors(t *testing.T) {
	td := simpleTask()
	td.ContainerDefinitions[0].DependsOn = []spec.ContainerDependency{{ContainerName: "ghost", Condition: "START"}}
	d, svc := desiredFor(td, serviceWith(1, 0, 100))
	if _, err := Translate(d, svc, TranslateOptions{}); err == nil || !strings.Contains(err.Error(), `translate service "svc"`) {
		t.Errorf("unknown dependency: err = %v", err)
	}
	d, svc = desiredFor(simpleTask(), serviceWith(1, 0, 100))
	svc.TaskDefinition = "missing"
	if _, err := Translate(d, svc, TranslateOptions{}); err == nil {
		t.Error("missing task definition: no error")
	}
}
