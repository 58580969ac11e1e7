package synctest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/nomadbackend"
)

// Nomad connects to the test cluster (NOMAD_ADDR, else the repository's .cluster/env),
// starting it with scripts/cluster.sh when none answers, and gives the test a fresh
// namespace that is removed afterwards. The test skips when no cluster can be had.
func Nomad(t testing.TB) (*nomadbackend.Client, string, string) {
	t.Helper()
	addr := os.Getenv("NOMAD_ADDR")
	if addr == "" {
		addr = addrFromEnvFile()
	}
	if addr == "" {
		addr = "http://127.0.0.1:4646"
	}
	cfg := api.DefaultConfig()
	cfg.Address = addr
	c, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.API().Status().Leader(); err != nil && os.Getenv("NOMAD_ADDR") == "" {
		startCluster(t)
	}
	if _, err := c.API().Status().Leader(); err != nil {
		t.Skipf("no Nomad cluster at %s (scripts/cluster.sh up): %v", addr, err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name()))
	ns := "s-" + name[:min(len(name), 30)] + "-" + hex.EncodeToString(b)
	if _, err := c.API().Namespaces().Register(&api.Namespace{Name: ns}, nil); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { removeNamespace(c.API(), ns) })
	return c, ns, addr
}

// removeNamespace stops the jobs first and purges them only once their allocations are
// gone: purging a job while its plan is being applied has crashed Nomad's plan applier.
func removeNamespace(c *api.Client, ns string) {
	q, w := &api.QueryOptions{Namespace: ns}, &api.WriteOptions{Namespace: ns}
	jobs, _, _ := c.Jobs().List(q)
	for _, j := range jobs {
		_, _, _ = c.Jobs().Deregister(j.ID, false, w)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		allocs, _, err := c.Allocations().List(q)
		running := 0
		for _, a := range allocs {
			if a.ClientStatus == "running" || a.ClientStatus == "pending" {
				running++
			}
		}
		if err == nil && running == 0 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, j := range jobs {
		_, _, _ = c.Jobs().Deregister(j.ID, true, w)
	}
	vars, _, _ := c.Variables().List(q)
	for _, v := range vars {
		_, _ = c.Variables().Delete(v.Path, w)
	}
	for range 60 {
		if _, err := c.Namespaces().Delete(ns, nil); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func startCluster(t testing.TB) {
	root := RepoRoot(t)
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "cluster.sh"), "up")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("cluster.sh up: %v\n%s", err, out)
	}
}

// RepoRoot is the module root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	dir, _ := os.Getwd()
	for ; dir != "/"; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
	}
	t.Fatal("go.mod not found")
	return ""
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
