package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgit/ecsgit/internal/plan"
)

// Levels groups the plan's services into apply levels: every service comes after all the
// services it names in After (ecsgit.yaml `services.<name>.after`, compose depends_on
// across services). Services of one level do not depend on each other and are applied
// concurrently; a level starts once the previous one has finished. ECS itself has no
// ordering between services, so this is ecsgit's only ordering.
//
// A name in After that is not in the plan is ignored (it is not ecsgit's to wait for; the
// validator reports unknown names). A cycle is an error naming it, returned before
// anything is written.
func Levels(services []plan.ServicePlan) ([][]string, error) {
	deps := make(map[string][]string, len(services))
	for _, sp := range services {
		deps[sp.Service] = nil
	}
	for _, sp := range services {
		for _, d := range sp.After {
			if _, ok := deps[d]; ok && d != sp.Service && !slices.Contains(deps[sp.Service], d) {
				deps[sp.Service] = append(deps[sp.Service], d)
			}
		}
	}
	if cycle := findCycle(deps); cycle != nil {
		return nil, fmt.Errorf("services depend on each other in a cycle: %s; nothing was applied", strings.Join(cycle, " → "))
	}
	level := make(map[string]int, len(deps))
	var depth func(string) int
	depth = func(s string) int {
		if l, ok := level[s]; ok {
			return l
		}
		l := 0
		for _, d := range deps[s] {
			l = max(l, depth(d)+1)
		}
		level[s] = l
		return l
	}
	var out [][]string
	for _, sp := range services {
		l := depth(sp.Service)
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], sp.Service)
	}
	for _, l := range out {
		slices.Sort(l)
	}
	return out, nil
}

// findCycle returns one dependency cycle (first name repeated at the end), or nil.
func findCycle(deps map[string][]string) []string {
	const (
		unseen = iota
		onStack
		done
	)
	state := make(map[string]int, len(deps))
	var stack []string
	var visit func(string) []string
	visit = func(s string) []string {
		state[s] = onStack
		stack = append(stack, s)
		for _, d := range deps[s] {
			switch state[d] {
			case onStack:
				i := slices.Index(stack, d)
				return append(slices.Clone(stack[i:]), d)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[s] = done
		return nil
	}
	names := make([]string, 0, len(deps))
	for s := range deps {
		names = append(names, s)
	}
	slices.Sort(names) // deterministic error messages
	for _, s := range names {
		if state[s] == unseen {
			if c := visit(s); c != nil {
				return c
			}
		}
	}
	return nil
}
