package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// memoReads is the daemon's read cache reduced to what the plan memo and the reused
// listing ride on (syncloop/loop_reuse.go): after each pass it keeps, of every service
// planned unchanged since its apply, what ForReuse keeps, and the pass's listing of the
// source's jobs; a job changed in Nomad (events, see sync) is forgotten, and makes the
// listing stale unless the pass plans it.
type memoReads struct {
	entries map[string]*PlannedService
	owned   []nomadbackend.OwnedJob
	ownedAt time.Time
	events  map[string]bool   // jobs changed since the listing
	indexes map[string]uint64 // the fake cluster's jobs as last seen (sync)
}

func newMemoReads() *memoReads {
	return &memoReads{entries: map[string]*PlannedService{}, events: map[string]bool{}}
}

func (m *memoReads) remember(p *Planned) {
	clear(m.entries)
	for _, sp := range p.Plan.Services {
		if ps := p.Services[sp.JobID]; sp.Action == plan.ActionNoop && ps != nil && ps.FromGit() && UnchangedSinceApplied(ps, &sp) {
			m.entries[sp.JobID] = ps.ForReuse()
		}
	}
	if !p.OwnedAt.Equal(m.ownedAt) {
		clear(m.events) // a new listing
	}
	m.owned, m.ownedAt = p.Owned, p.OwnedAt
}

func (m *memoReads) lookup(id string) *PlannedService { return m.entries[id] }

func (m *memoReads) ownedFor(desired map[string]bool) ([]nomadbackend.OwnedJob, time.Time, bool) {
	if m.ownedAt.IsZero() {
		return nil, time.Time{}, false
	}
	for id := range m.events {
		if !desired[id] {
			return nil, time.Time{}, false
		}
	}
	return m.owned, m.ownedAt, true
}

// sync is the event stream: every job whose index moved (or that went) since the last
// sync has an event.
func (m *memoReads) sync(f *fakeCluster) {
	now := f.jobIndexes()
	for id, idx := range now {
		if m.indexes[id] != idx {
			m.event(id)
		}
	}
	for id := range m.indexes {
		if _, ok := now[id]; !ok {
			m.event(id)
		}
	}
	m.indexes = now
}

func (m *memoReads) event(id string) {
	delete(m.entries, id)
	m.events[id] = true
}

// The plan memo must never change a plan. A sequence of commits, each checked out in a
// directory of its own and applied, is planned by a daemon-like pipeline (file cache,
// earlier reads and memos of the previous pass) and by one that reads and translates
// everything; the plans must be the same, for an edit of each kind of input: a service
// document, a task definition (also one another service runs), a change of positions
// only, ecsgit.yaml settings and service entries, a target group, a listener rule, a
// scalable target, a Service Connect provider, and a job changed by hand in Nomad.
func TestPipelineMemoEqualPlans(t *testing.T) {
	files := repotest.New("",
		repotest.Service{Name: "web", Image: "app:1", Memory: 64, Count: 1, HealthCheck: true, Spread: true},
		repotest.Service{Name: "api", Image: "app:1", Memory: 64, Count: 1},
		repotest.Service{Name: "worker", Image: "app:1", Memory: 64, Count: 1},
	).Files()
	put := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	// front: behind target group front-tg, routed by a listener rule.
	put("front-taskdef.json", map[string]any{"family": "front", "networkMode": "bridge", "containerDefinitions": []any{
		map[string]any{"name": "app", "image": "app:1", "memory": 32, "essential": true,
			"portMappings": []any{map[string]any{"containerPort": 8080, "hostPort": 0}}}}})
	put("front-service.json", map[string]any{"serviceName": "front", "taskDefinition": "front", "desiredCount": 1,
		"loadBalancers": []any{map[string]any{"targetGroupArn": "front-tg", "containerName": "app", "containerPort": 8080}}})
	put("tg-front.json", map[string]any{"Name": "front-tg", "Protocol": "HTTP", "Port": 8080, "TargetType": "instance",
		"HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
		"HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2, "Matcher": map[string]any{"HttpCode": "200"}})
	put("lb.json", map[string]any{"Name": "lb", "Type": "application", "Scheme": "internal", "Subnets": []string{"subnet-0123456789abcdef0"}})
	put("listener.json", map[string]any{"LoadBalancerArn": "lb", "Protocol": "HTTP", "Port": 80,
		"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404"}}}})
	put("rule-10.json", map[string]any{"ListenerArn": "lb:80", "Priority": 10,
		"Conditions": []any{map[string]any{"Field": "path-pattern", "Values": []string{"/front/*"}}},
		"Actions":    []any{map[string]any{"Type": "forward", "TargetGroupArn": "front-tg"}}})
	// orders provides Service Connect endpoints that client uses.
	for _, name := range []string{"client-service.json", "client-taskdef.json", "orders-service.json", "orders-taskdef.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "serviceconnect", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	edit := func(name, old, new string) func() {
		return func() {
			if !strings.Contains(files[name], old) {
				t.Fatalf("%s has no %q", name, old)
			}
			files[name] = strings.Replace(files[name], old, new, 1)
		}
	}
	cluster := newFakeCluster(t)
	reads := newMemoReads()
	var removed map[string]string
	commits := []struct {
		what   string
		change func()
		// memoized: services that must be planned from the memo (no translation).
		memoized []string
	}{
		// A service is planned from the memo from the second pass after it was last
		// written: the pass after a write reads it in full (its job has a new index).
		{"the services", func() {}, nil},
		{"the same files again", func() {}, nil},
		{"and again", func() {}, []string{"web", "api", "worker"}},
		{"web's task definition changed", edit("web-taskdef.json", `"app:1"`, `"app:2"`), []string{"api", "worker"}},
		{"api's service changed", edit("api-service.json", `"desiredCount": 1`, `"desiredCount": 2`), []string{"worker"}},
		{"web's service file moved its fields (positions only)", edit("web-service.json", "{", "{\n\n\n"), []string{"worker"}},
		{"web's task definition file moved its fields (positions only)", edit("web-taskdef.json", "{", "{\n\n\n"), []string{"api", "worker"}},
		{"worker runs web's task definition", edit("worker-service.json", `"taskDefinition": "worker"`, `"taskDefinition": "web"`), []string{"web", "api"}},
		{"web's task definition changed under worker's unchanged service", edit("web-taskdef.json", `"app:2"`, `"app:3"`), []string{"api"}},
		{"the same files again", func() {}, []string{"api"}},
		{"ecsgit.yaml orders worker after api", func() { files[spec.ConfigFileName] += "services:\n  worker:\n    after: [api]\n" }, []string{"web", "api", "worker"}},
		{"ecsgit.yaml sets the datacenters", func() { files[spec.ConfigFileName] += "datacenters: [dc1, dc2]\n" }, nil},
		{"the same files again", func() {}, nil},
		{"the target group's health check", edit("tg-front.json", `"/healthz"`, `"/ready"`), []string{"web", "api", "worker"}},
		{"the listener rule's path", edit("rule-10.json", `"/front/*"`, `"/f/*"`), []string{"web", "api", "worker"}},
		{"api gets a scalable target", func() {
			put("scaling-target.json", map[string]any{"ServiceNamespace": "ecs", "ResourceId": "service/default/api",
				"ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 4})
		}, []string{"web", "worker"}},
		{"the scalable target's range", edit("scaling-target.json", `"MaxCapacity": 4`, `"MaxCapacity": 5`), []string{"web", "worker"}},
		{"the Service Connect provider's alias", edit("orders-service.json", `"port": 80`, `"port": 81`), []string{"web", "worker"}},
		{"web's job changed by hand in Nomad", func() { cluster.touch("web"); reads.sync(cluster) }, []string{"worker"}},
		{"worker removed from the repository (an orphan, shown)", func() {
			removed = maps.Clone(files)
			delete(files, "worker-service.json")
			delete(files, "worker-taskdef.json")
		}, nil},
		{"the orphan again, from the reused listing", func() {}, []string{"web"}},
		{"worker back", func() { files = removed }, []string{"web"}},
		{"a job of this source registered by hand under another name", func() {
			cluster.put(nomadbackend.LiveJob{ID: "stray", Namespace: "default", Status: "running",
				ManagedBy: nomadjob.ManagedByValue, Source: "memo-test"})
			reads.sync(cluster)
		}, []string{"web", "worker"}},
	}

	opts := PlanOptions{Source: "memo-test", Namespace: "default", Now: func() time.Time { return time.Unix(1e9, 0) }}
	daemon := &Pipeline{Cluster: cluster, Options: opts, Load: spec.LoadOptions{RelativeNames: true, Cache: spec.NewFileCache()}}
	full := &Pipeline{Cluster: cluster, Options: opts, Load: spec.LoadOptions{RelativeNames: true}}
	ctx := context.Background()
	for i, c := range commits {
		c.change()
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("%040d", i))
		writeFiles(t, dir, files)
		listings := len(cluster.callsOf("list-owned "))
		got, err := daemon.Plan(ctx, Pass{Dir: dir, Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}, Reuse: reads.lookup, ReuseOwned: reads.ownedFor})
		if err != nil {
			t.Fatalf("commit %d (%s): %v", i, c.what, err)
		}
		want, err := full.Plan(ctx, Pass{Dir: dir, Revision: source.Revision{SHA: fmt.Sprintf("%040x", i+1)}})
		if err != nil {
			t.Fatalf("commit %d (%s): %v", i, c.what, err)
		}
		if g, w := memoPlanText(t, got, want), planText(t, want, nil); g != w {
			t.Fatalf("commit %d (%s): the memoized pass planned\n%s\nthe full one\n%s", i, c.what, g, w)
		}
		var memoized []string
		for id, ps := range got.Services {
			if ps.Translation == nil && ps.memo != nil {
				memoized = append(memoized, id)
			}
		}
		if slices.Sort(memoized); !slices.Equal(memoized, slices.Sorted(slices.Values(c.memoized))) {
			t.Errorf("commit %d (%s): planned from the memo %v, want %v", i, c.what, memoized, slices.Sorted(slices.Values(c.memoized)))
		}
		if c.what == "the orphan again, from the reused listing" && len(cluster.callsOf("list-owned ")) != listings+1 {
			t.Errorf("commit %d (%s): the daemon's pass listed the jobs again", i, c.what) // +1: the full pass's
		}
		if _, err := ApplyPlanned(ctx, cluster, got, ApplyOptions{Who: "memo-test", PlacementTimeout: time.Minute}); err != nil {
			t.Fatalf("commit %d (%s): apply: %v", i, c.what, err)
		}
		reads.remember(got)
		reads.sync(cluster)
	}
}

// memoPlanText is planText of a memoized plan, with the Nomad job of each service
// planned from the memo taken from the full plan: a memoized service has no job (it is
// unchanged, apply never needs it), so it must be a no-op there.
func memoPlanText(t *testing.T, got, full *Planned) string {
	t.Helper()
	p := *got
	p.Services = maps.Clone(got.Services)
	for id, ps := range p.Services {
		if ps.Translation != nil || ps.memo == nil {
			continue // translated, or a prune
		}
		f := full.Services[id]
		for _, sp := range full.Plan.Services {
			if sp.JobID == id && sp.Action != plan.ActionNoop {
				t.Errorf("%s: planned from the memo, but the full plan has %s", id, sp.Action)
			}
		}
		if f != nil {
			c := *ps
			c.Translation = f.Translation
			p.Services[id] = &c
		}
	}
	return planText(t, &p, nil)
}

// describeRevision's verdict is about one record: a record that moved (another index,
// other documents) is diffed again, not taken as unchanged.
func TestRevisionVerdictFollowsTheRecord(t *testing.T) {
	d := repotest.Load(t, writeRepo(t, repotest.Service{Name: "web", Image: "app:1", Memory: 64, Count: 1}))
	svc := d.Services[0]
	td := d.TaskDefinitionFor(svc)
	tdJSON, err := nomadbackend.CanonicalJSON(&td.TaskDefinition)
	if err != nil {
		t.Fatal(err)
	}
	svcJSON, err := nomadbackend.CanonicalJSON(&svc.Service)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := nomadbackend.TaskDefinitionHash(&td.TaskDefinition)
	if err != nil {
		t.Fatal(err)
	}
	rec := &nomadbackend.ServiceRecord{JobID: "web", Family: "web", Revision: 1, SpecHash: "h", ModifyIndex: 7,
		TaskDefinition: tdJSON, Service: svcJSON}
	ps := &PlannedService{Service: svc, TaskDefinition: td, Record: rec, ContentHash: hash, Revision: 1}
	sp := &plan.ServicePlan{SpecHash: "h"}
	if err := describeRevision(ps, sp); err != nil || len(sp.Changes) != 0 || ps.noChanges == nil {
		t.Fatalf("same documents: changes %v, err %v, verdict %+v", sp.Changes, err, ps.noChanges)
	}
	// The record moved: written again from another image.
	moved := *rec
	moved.ModifyIndex = 9
	moved.TaskDefinition = []byte(strings.Replace(string(tdJSON), "app:1", "app:0", 1))
	ps.Record = &moved
	if err := describeRevision(ps, sp); err != nil || len(sp.Changes) == 0 {
		t.Fatalf("moved record: want the image change, got %v (err %v)", sp.Changes, err)
	}
	if ps.noChanges != nil {
		t.Errorf("a verdict survived a diff with changes: %+v", ps.noChanges)
	}
}

func writeRepo(t *testing.T, svcs ...repotest.Service) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, repotest.New("", svcs...).Files())
	return dir
}

// The memos of one pass keep one string per text of the translator's notes, not one per
// note (issue 19: 5,000 services repeat a few texts; 5.5 MiB of the daemon's heap between
// passes at 5,000).
func TestPlanMemoInternsTheNotesTexts(t *testing.T) {
	svcs := make([]repotest.Service, 3)
	for i := range svcs {
		svcs[i] = repotest.Service{Name: fmt.Sprintf("svc-%d", i), Image: "app:1", Memory: 64, Count: 1}
	}
	dir := t.TempDir()
	writeFiles(t, dir, repotest.New("", svcs...).Files())
	pp := &Pipeline{Cluster: newFakeCluster(t), Options: PlanOptions{Source: "memo-test", Namespace: "default"},
		Load: spec.LoadOptions{RelativeNames: true, Cache: spec.NewFileCache()}}
	reads := newMemoReads()
	p, err := pp.Plan(context.Background(), Pass{Dir: dir, Revision: source.Revision{SHA: fmt.Sprintf("%040x", 1)}, Reuse: reads.lookup})
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{} // text → the first memo's string of it
	shared, notes := 0, 0
	for _, ps := range p.Services {
		if ps.memo == nil {
			t.Fatalf("%s: no memo", ps.Service.ServiceName)
		}
		for _, n := range ps.memo.fidelity {
			notes++
			if k, ok := kept[n.Detail]; !ok {
				kept[n.Detail] = n.Detail
			} else if unsafe.StringData(k) != unsafe.StringData(n.Detail) {
				t.Errorf("%s: note %q is a string of its own", ps.Service.ServiceName, n.Detail)
			} else {
				shared++
			}
		}
	}
	if notes == 0 || shared == 0 {
		t.Fatalf("%d notes, %d texts repeated: the test needs notes that repeat", notes, shared)
	}
	for _, ps := range p.Services {
		if got, want := fidelity(&PlannedService{TaskDefinition: ps.TaskDefinition, Service: ps.Service, Translation: ps.Translation}),
			fidelityNotes(ps.TaskDefinition, ps.Service, ps.memo.fidelity); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the memo's notes %v differ from the translation's %v", ps.Service.ServiceName, want, got)
		}
	}
}
