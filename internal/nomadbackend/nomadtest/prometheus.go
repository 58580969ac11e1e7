package nomadtest

import "testing"

var prometheusComponent = component{name: "Prometheus", envVar: "ECSGIT_PROMETHEUS_ADDR", health: "/-/ready", logDir: "prometheus"}

// Prometheus requires the cluster's Prometheus (scripts/prometheus.sh, started by
// scripts/cluster.sh up beside the proxy) and returns its HTTP address; the
// request-count policies' metrics come from it. Like Autoscaler, it runs
// scripts/cluster.sh up once when it does not answer, and fails rather than skips.
func Prometheus(t testing.TB) string {
	t.Helper()
	skipIfShort(t)
	return prometheusComponent.require(t)
}
