package nomadbackend

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"
)

// clusterClient connects to the test cluster (NOMAD_ADDR, else .cluster/env written by
// `make cluster-up`) and creates a fresh namespace removed after the test. Tests skip
// when no cluster answers.
func clusterClient(t testing.TB) (*Client, string) {
	t.Helper()
	cfg := api.DefaultConfig()
	if os.Getenv("NOMAD_ADDR") == "" {
		if addr := addrFromEnvFile(); addr != "" {
			cfg.Address = addr
		}
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.api.Status().Leader(); err != nil {
		t.Skipf("no Nomad cluster at %s (make cluster-up): %v", cfg.Address, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ns := "t-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	ns = ns[:min(len(ns), 40)] + "-" + hex.EncodeToString(b)
	if _, err := c.api.Namespaces().Register(&api.Namespace{Name: ns}, nil); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { cleanupNamespace(c, ns) })
	return c, ns
}

func cleanupNamespace(c *Client, ns string) {
	q := &api.QueryOptions{Namespace: ns}
	w := &api.WriteOptions{Namespace: ns}
	// Stop, never purge: purging a job whose allocations are still live crashed the
	// leader of the test cluster's Nomad build (nil plan.JobInfo in plan_apply.go). A
	// namespace with only dead jobs can be deleted.
	jobs, _, _ := c.api.Jobs().List(q)
	for _, j := range jobs {
		_, _, _ = c.api.Jobs().Deregister(j.ID, false, w)
	}
	vars, _, _ := c.api.Variables().List(q)
	for _, v := range vars {
		_, _ = c.api.Variables().Delete(v.Path, w)
	}
	for range 120 {
		if _, err := c.api.Namespaces().Delete(ns, nil); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func addrFromEnvFile() string {
	dir, _ := os.Getwd()
	for ; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		f, err := os.Open(filepath.Join(dir, ".cluster", "env"))
		if err != nil {
			continue
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "export NOMAD_ADDR="); ok {
				return strings.Trim(v, `"'`)
			}
		}
	}
	return ""
}

// testJob is a small docker job owned by source.
func testJob(ns, id, source string, count, memMB int) *api.Job {
	job := api.NewServiceJob(id, id, "global", 50)
	job.Namespace = &ns
	job.Datacenters = []string{"*"}
	job.Meta = map[string]string{MetaManagedBy: ManagedByValue, MetaSource: source}
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
