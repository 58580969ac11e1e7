// Package synctest holds the real-parts fixtures of the sync daemon's tests: a Nomad
// client with a fresh namespace, the ecsgit daemon as a subprocess, and test
// repositories (the Git server itself is internal/gittest).
package synctest

import (
	"testing"

	"github.com/ecsgit/ecsgit/internal/clustertest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// Nomad gives the test the shared real cluster (nomadtest starts it if needed; a missing
// cluster fails the test, never skips it) and a fresh namespace whose jobs and records are
// removed afterwards. It returns ecsgit's client, the namespace and the cluster address
// (for daemon subprocesses).
func Nomad(t testing.TB) (*nomadbackend.Client, string, string) {
	t.Helper()
	ce := clustertest.New(t)
	return ce.Backend, ce.Namespace, ce.Addr
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
