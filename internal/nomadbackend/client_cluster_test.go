package nomadbackend

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// clusterClient gives a test the shared real cluster (started if needed; a missing
// cluster fails the test, never skips it) and a fresh namespace of its own, removed
// with its jobs and records at cleanup.
func clusterClient(t testing.TB) (*Client, string) {
	t.Helper()
	env := nomadtest.Cluster(t)
	cfg := api.DefaultConfig()
	cfg.Address = env.Addr
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, env.Namespace
}

// testJob is a small docker job owned by source.
func testJob(ns, id, source string, count, memMB int) *api.Job {
	job := api.NewServiceJob(id, id, "global", 50)
	job.Namespace = &ns
	job.Datacenters = []string{"*"}
	job.Meta = map[string]string{nomadjob.MetaManagedBy: nomadjob.ManagedByValue, nomadjob.MetaSource: source}
	tg := api.NewTaskGroup("tasks", count)
	task := api.NewTask("app", "docker")
	task.Config = map[string]any{"image": "ecsgit-demo/app:1"}
	cpu := 50
	task.Resources = &api.Resources{MemoryMB: &memMB, CPU: &cpu}
	tg.AddTask(task)
	job.AddTaskGroup(tg)
	return job
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
