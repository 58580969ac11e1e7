package nomadjob

import (
	"os"

	"github.com/hashicorp/nomad/api"
)

// TestDriverEnv is a TEST-ONLY switch for scale benchmarks (bench/, docs/benchmarks.md):
// ECSGIT_TEST_DRIVER=mock_driver makes every task use Nomad's mock_driver (compiled only
// into non-release Nomad builds, such as the test cluster's) instead of docker, so
// thousands of allocations can be placed without containers. Any other value, or unset,
// changes nothing. It is not part of the spec hash and never meant for real clusters.
// Only the CLI reads the variable (into TranslateOptions.TestDriver); the translation
// itself reads no environment.
const TestDriverEnv = "ECSGIT_TEST_DRIVER"

// TestDriverFromEnv is the value of TestDriverEnv that the translation understands.
func TestDriverFromEnv() string {
	if os.Getenv(TestDriverEnv) == "mock_driver" {
		return "mock_driver"
	}
	return ""
}

// applyTestDriver rewrites task for the test-only driver override, if set.
func applyTestDriver(task *api.Task, driver string) {
	if driver != "mock_driver" {
		return
	}
	task.Driver = "mock_driver"
	// The mock task runs until stopped; docker options are not valid for this driver.
	// A prestart task that is not a sidecar (an init container: dependsOn SUCCESS/
	// COMPLETE) must finish for the main tasks to start, so it exits 0 at once.
	runFor := "24h"
	if l := task.Lifecycle; l != nil && l.Hook == api.TaskLifecycleHookPrestart && !l.Sidecar {
		runFor = "100ms"
	}
	task.Config = map[string]any{"run_for": runFor, "exit_code": 0}
}
