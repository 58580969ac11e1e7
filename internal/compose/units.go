package compose

import (
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/go-units"
)

// ceilSeconds converts a compose duration to the whole seconds ECS takes, rounding up
// (ecs-cli and compose-cli truncated, which turns `timeout: 500ms` into an invalid 0).
// whole reports whether no rounding was needed.
func ceilSeconds(d types.Duration) (secs int, whole bool) {
	t := time.Duration(d)
	secs = int(t / time.Second)
	if t%time.Second != 0 {
		secs++
	}
	return secs, t%time.Second == 0
}

const mib = 1 << 20

// ceilMiB converts bytes to MiB, rounding up so a limit never shrinks.
func ceilMiB(b int64) (n int, whole bool) {
	n = int(b / mib)
	if b%mib != 0 {
		n++
	}
	return n, b%mib == 0
}

// parseBytes parses a compose size ("64m", "1g", "512").
func parseBytes(s string) (int64, error) { return units.RAMInBytes(s) }

// cpuUnits converts compose cpus (a fraction of CPUs) to ECS CPU units (1024 per vCPU),
// rounded to the nearest unit.
func cpuUnits(cpus float32) int { return int(float64(cpus)*1024 + 0.5) }
