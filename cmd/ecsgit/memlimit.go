package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"

	"github.com/docker/go-units"
)

// defaultMemoryLimit is the daemon's soft memory limit unless --memory-limit or
// GOMEMLIMIT says otherwise. A pass allocates its whole desired state, the translated
// jobs and the reads from Nomad again, and with the collector's default pacing (GOGC=100:
// collect when the heap has doubled since the last collection) the peak of a pass at
// 5,000 services went well past 100 MiB although what outlives the pass is a fraction of
// that. Near the limit the collector runs more often instead; it never lets the heap
// exceed it by refusing memory, and Go caps the collector at about half the CPU when the
// live heap itself is above the limit (a repository much larger than 5,000 services:
// raise the limit with it). docs/sync.md, "Memory".
const defaultMemoryLimit = "96MiB"

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
		return 0, "", fmt.Errorf("--memory-limit %q: want a size such as 96MiB or 1GiB, or 0 for none", flag)
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
