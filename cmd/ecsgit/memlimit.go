package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"

	"github.com/docker/go-units"
)

// defaultMemoryLimit is the daemon's soft memory limit unless --memory-limit or
// GOMEMLIMIT says otherwise: none. A limit below what a pass needs makes the collector
// run all the time (Go caps it at about half the CPU): at 5,000 services a 96MiB default
// held the RSS at 135 MiB instead of ~200, but made the webhook commit → registered
// median 4.4 s instead of 1.1 s and the first pass twice as long (docs/benchmarks.md,
// "The daemon at 5,000"). So the trade is the operator's: a limit sized to the
// repository (docs/sync.md, "Memory").
const defaultMemoryLimit = "0"

// memoryLimit returns the soft limit in bytes the daemon sets, and where it comes from.
// GOMEMLIMIT in the environment (which the Go runtime has applied already) wins over the
// default but not over the flag given explicitly; "0" or "off" turns the limit off.
func memoryLimit(flag string, flagSet bool, goMemLimit string) (limit int64, from string, err error) {
	if !flagSet && goMemLimit != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT", nil
	}
	from = "--memory-limit"
	if !flagSet {
		from = "default"
	}
	switch strings.ToLower(strings.TrimSpace(flag)) {
	case "0", "off", "none":
		return math.MaxInt64, from, nil
	}
	n, err := units.RAMInBytes(flag)
	if err != nil || n <= 0 {
		return 0, "", fmt.Errorf("--memory-limit %q: want a size such as 256MiB or 1GiB, or 0 for none", flag)
	}
	return n, from, nil
}

// memoryLimitText is limit for the log: "off" for none, else in MiB.
func memoryLimitText(limit int64) string {
	if limit == math.MaxInt64 {
		return "off"
	}
	return fmt.Sprintf("%.0fMiB", float64(limit)/(1<<20))
}
