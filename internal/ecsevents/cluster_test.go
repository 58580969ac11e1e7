package ecsevents_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/clustertest"
	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// TestMapperOnRealNomad maps the events Nomad really sends: a task whose essential
// container exits 3 (the lifecycle in order, STOPPED with EssentialContainerExited and
// exit code 3) and a task no node has the memory for (SERVICE_TASK_PLACEMENT_FAILURE,
// RESOURCE:MEMORY, and the console's message).
func TestMapperOnRealNomad(t *testing.T) {
	ce := clustertest.New(t)
	nomadtest.RequireDemoImages(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start, err := ce.Backend.CurrentIndex(ctx, ce.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	m := ecsevents.NewMapper(ecsevents.Options{Namespace: ce.Namespace, Services: map[string]string{"fail": "fail", "huge": "huge"}})
	var mu sync.Mutex
	var got []ecsevents.Event
	go func() {
		_ = ecsevents.Follow(ctx, ce.Backend, ecsevents.FollowOptions{Namespace: ce.Namespace, After: start, Mapper: m,
			OnBatch: func(_ uint64, evs []ecsevents.Event) {
				mu.Lock()
				got = append(got, evs...)
				mu.Unlock()
			}})
	}()

	owned := map[string]string{nomadjob.MetaManagedBy: nomadjob.ManagedByValue, nomadjob.MetaSource: "default"}
	fail := nomadtest.DemoJob("fail", "ecsgit-demo/app:1", 1)
	fail.Meta = owned
	fail.TaskGroups[0].Tasks[0].SetConfig("args", []string{"--mode=fail"})
	fail.TaskGroups[0].Tasks[0].Env["DB_PASSWORD"] = "never-in-an-event"
	fail.TaskGroups[0].RestartPolicy = &api.RestartPolicy{Attempts: new(0), Mode: new("fail")}
	fail.TaskGroups[0].ReschedulePolicy = &api.ReschedulePolicy{Attempts: new(0), Unlimited: new(false)}
	fail.TaskGroups[0].Update = nil
	ce.Register(fail)
	huge := nomadtest.DemoJob("huge", "ecsgit-demo/app:1", 1)
	huge.Meta = owned
	huge.TaskGroups[0].Tasks[0].Resources.MemoryMB = new(1 << 20)
	ce.Register(huge)

	var stopped, placement *ecsevents.Event
	var lifecycle []string
	deadline := time.Now().Add(90 * time.Second)
	for (stopped == nil || placement == nil) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		lifecycle = lifecycle[:0]
		for i := range got {
			ev := &got[i]
			if ev.Service == "fail" && ev.Envelope.DetailType == ecsevents.DetailTaskStateChange {
				lifecycle = append(lifecycle, ev.EventName())
				if ev.EventName() == "STOPPED" {
					stopped = ev
				}
			}
			if ev.Service == "huge" && ev.EventName() == ecsevents.ServiceTaskPlacementFailure {
				placement = ev
			}
		}
		mu.Unlock()
	}
	if stopped == nil || placement == nil {
		t.Fatalf("stopped %v, placement %v; events:\n%s", stopped != nil, placement != nil, texts(got))
	}
	order := []string{"PROVISIONING", "PENDING", "RUNNING", "STOPPED"}
	last := -1
	for _, s := range lifecycle {
		i := slices.Index(order, s)
		if i <= last {
			t.Fatalf("lifecycle %v is not in the order %v", lifecycle, order)
		}
		last = i
	}
	if !slices.Contains(lifecycle, "PENDING") || !slices.Contains(lifecycle, "RUNNING") {
		t.Fatalf("lifecycle %v: want PENDING and RUNNING before STOPPED (the container started)", lifecycle)
	}
	d := stopped.Envelope.Detail.(*ecsevents.TaskDetail)
	if d.StopCode != "EssentialContainerExited" || len(d.Containers) != 1 || d.Containers[0].ExitCode == nil || *d.Containers[0].ExitCode != 3 {
		b, _ := json.Marshal(stopped.Envelope)
		t.Fatalf("stopped task: %s", b)
	}
	pd := placement.Envelope.Detail.(*ecsevents.ServiceActionDetail)
	if !strings.Contains(pd.Reason, "RESOURCE:MEMORY") || pd.EventType != "WARN" {
		t.Fatalf("placement failure: %+v", pd)
	}
	mu.Lock()
	defer mu.Unlock()
	var console bool
	for _, ev := range got {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), "never-in-an-event") {
			t.Fatalf("an event carries the environment value: %s", b)
		}
		console = console || strings.Contains(ev.Text, "(service huge) was unable to place a task because no container instance met all of its requirements")
	}
	if !console {
		t.Fatalf("no console placement message:\n%s", texts(got))
	}
	t.Logf("lifecycle of the failing task: %v; placement: %s", lifecycle, pd.Reason)
}

func texts(evs []ecsevents.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		b.WriteString("  " + ev.Text + "\n")
	}
	return b.String()
}
