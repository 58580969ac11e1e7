package nomadtest

import (
	"os"
	"testing"
)

// EnvAutoscalerAddr points the tests at the Nomad Autoscaler of a cluster given by
// ECSGIT_TEST_NOMAD_ADDR (the local cluster's is read from .cluster/env).
const EnvAutoscalerAddr = "ECSGIT_TEST_AUTOSCALER_ADDR"

var autoscalerComponent = component{name: "the Nomad Autoscaler", envVar: "ECSGIT_AUTOSCALER_ADDR", health: "/v1/health", logDir: "autoscaler"}

// Autoscaler requires the Nomad Autoscaler that scripts/cluster.sh up starts beside
// the cluster (scripts/autoscaler.sh) and returns its HTTP address. When it does not
// answer, it runs scripts/cluster.sh up once (which starts it); a missing autoscaler
// fails the test, never skips it. Call it after Cluster.
func Autoscaler(t testing.TB) string {
	t.Helper()
	skipIfShort(t)
	if addr := os.Getenv(EnvAutoscalerAddr); addr != "" {
		if err := autoscalerComponent.ready(addr); err != nil {
			t.Fatalf("%s=%s: %v", EnvAutoscalerAddr, addr, err)
		}
		return addr
	}
	return autoscalerComponent.require(t)
}
