package synctest

import (
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/nomadbackend"
	"github.com/ecsgit/ecsgit/nomadbackend/nomadtest"
)

// Nomad gives the test the shared real cluster (nomadtest starts it if needed; a missing
// cluster fails the test, never skips it) and a fresh namespace whose jobs and records are
// removed afterwards. It returns ecsgit's client, the namespace and the cluster address
// (for daemon subprocesses).
func Nomad(t testing.TB) (*nomadbackend.Client, string, string) {
	t.Helper()
	env := nomadtest.Cluster(t)
	cfg := api.DefaultConfig()
	cfg.Address = env.Addr
	c, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, env.Namespace, env.Addr
}

// RepoRoot is the module root (the directory holding go.mod); failures are fatal.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := nomadtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
