// Package clustertest gives a real-cluster test what every ecsgit test needs: the shared
// local Nomad cluster (started if needed; a missing cluster fails the test, never skips
// it), a fresh namespace cleaned up with its jobs and records, the demo images, and
// ecsgit's typed Nomad client. (nomadbackend's own tests cannot use it: it imports
// nomadbackend.)
package clustertest

import (
	"testing"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// Env is a test's namespace on the real cluster plus ecsgit's client for it.
type Env struct {
	*nomadtest.Env
	Backend *nomadbackend.Client
}

// New sets up the cluster, a namespace for t and the demo images.
func New(t testing.TB) *Env {
	t.Helper()
	return withBackend(t, nomadtest.Cluster(t))
}

// NewACL is New on the local cluster with ACLs enabled (nomadtest.ACLCluster); the
// backend uses the management token.
func NewACL(t testing.TB) *Env {
	t.Helper()
	return withBackend(t, nomadtest.ACLCluster(t))
}

func withBackend(t testing.TB, e *nomadtest.Env) *Env {
	t.Helper()
	nomadtest.RequireDemoImages(t)
	cfg := api.DefaultConfig()
	cfg.Address = e.Addr
	if e.Token != "" {
		cfg.SecretID = e.Token
	}
	b, err := nomadbackend.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Env: e, Backend: b}
}
