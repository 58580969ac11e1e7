package plan

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// ChangeKind is what happened to one field (FieldChange.Kind).
type ChangeKind string

// Change kinds of a FieldChange (the JSON values are part of the plan format).
const (
	KindAdded   ChangeKind = "added"
	KindRemoved ChangeKind = "removed"
	KindChanged ChangeKind = "changed"
)

func (k ChangeKind) String() string { return string(k) }

// DiffTaskDefinitions returns the field-level changes from old to new in ECS terms, sorted
// by path. A nil side means "does not exist" (every field of the other side is added or
// removed). Equal definitions give no changes, ever: both sides are normalized first (ECS
// defaults applied, nil/empty/absent treated alike, set-like arrays compared as sets), so
// only a change a reviewer can act on is reported.
//
// Paths key containers by name ("containerDefinitions[web].image"), environment variables
// by name ("containerDefinitions[web].environment[LOG_LEVEL]"), map entries by key
// ("containerDefinitions[web].dockerLabels[team]"), port mappings by
// "containerPort/protocol" and other set-like arrays by their natural key (see keyedArrays).
// Order-sensitive arrays (command, entryPoint, environmentFiles, dnsServers, ...) and
// set-like arrays without a key are one value, rendered as compact JSON.
//
// Every task-definition field forces replacement except tags: an ECS revision is
// immutable (CloudFormation marks every property but Tags create-only), and on Nomad a
// change of task config, resources or environment is a destructive update.
func DiffTaskDefinitions(old, new *spec.TaskDefinition) []FieldChange {
	ob, nb := marshalSide(old), marshalSide(new)
	if bytes.Equal(ob, nb) {
		return nil // the common case in a large repository: nothing to walk
	}
	return diffTrees(normalizedTree(ob, spec.NormalizeTaskDefinition), normalizedTree(nb, spec.NormalizeTaskDefinition), forcesReplacementTD)
}

// DiffServices is DiffTaskDefinitions for service definitions. Which service fields force
// replacement is documented at serviceReplacingFields: desiredCount only scales,
// deploymentConfiguration only changes the Nomad update block, and placement changes
// re-place only the tasks that no longer fit.
func DiffServices(old, new *spec.Service) []FieldChange {
	ob, nb := marshalSide(old), marshalSide(new)
	if bytes.Equal(ob, nb) {
		return nil
	}
	return diffTrees(normalizedTree(ob, spec.NormalizeService), normalizedTree(nb, spec.NormalizeService), forcesReplacementService)
}

// Diff is DiffTaskDefinitions followed by DiffServices, sorted by path (task-definition
// and service paths never collide: they have different top-level fields).
func Diff(oldTD, newTD *spec.TaskDefinition, oldSvc, newSvc *spec.Service) []FieldChange {
	changes := append(DiffTaskDefinitions(oldTD, newTD), DiffServices(oldSvc, newSvc)...)
	sortChanges(changes)
	return changes
}

// ClassifyUpdate says how a set of changes reaches the running tasks: none without
// changes, scale when only desiredCount changes, replace when any change forces
// replacement, in-place otherwise (Nomad updates the job without restarting tasks).
func ClassifyUpdate(changes []FieldChange) UpdateKind {
	if len(changes) == 0 {
		return UpdateNone
	}
	scaleOnly := true
	for _, c := range changes {
		if c.ForcesReplacement {
			return UpdateReplace
		}
		if c.Path != "desiredCount" {
			scaleOnly = false
		}
	}
	if scaleOnly {
		return UpdateScale
	}
	return UpdateInPlace
}

// serviceReplacingFields are the top-level service fields whose change replaces running
// tasks on Nomad: the job type (schedulingStrategy: service ↔ system job), the group
// network (networkConfiguration, serviceConnectConfiguration), volumes, and where tasks may
// run at all (launchType, capacityProviderStrategy, platformVersion). All other service
// fields update the job without restarting tasks: desiredCount is count,
// deploymentConfiguration is the update block, loadBalancers/serviceRegistries are
// service registrations, tags and flags are ecsgit records. placementConstraints and
// placementStrategy are reported as not forcing: Nomad keeps allocations that still
// satisfy the new constraints and re-places only the others, which the scheduler dry-run
// (Placement) counts exactly.
var serviceReplacingFields = map[string]bool{
	"schedulingStrategy":          true,
	"networkConfiguration":        true,
	"serviceConnectConfiguration": true,
	"volumeConfigurations":        true,
	"launchType":                  true,
	"capacityProviderStrategy":    true,
	"platformVersion":             true,
}

func forcesReplacementTD(path string) bool { return topField(path) != "tags" }

func forcesReplacementService(path string) bool { return serviceReplacingFields[topField(path)] }

func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// marshalSide is the JSON of a spec value, nil for a nil pointer ("does not exist").
// Marshalling spec types cannot fail (no channels, funcs or cyclic values); a json.RawMessage
// field holding invalid JSON is the one way, and spec's decoder never produces one.
func marshalSide[T any](v *T) []byte {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("plan: marshalling a spec value: " + err.Error())
	}
	return b
}

// toTree turns JSON into its generic form (maps, slices, json.Number, strings, bools), so
// one walk serves every field, including the opaque json.RawMessage ones; nil stays nil.
func toTree(b []byte) any {
	if b == nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // keep 1000000 as 1000000, not 1e+06
	var t any
	if err := d.Decode(&t); err != nil {
		panic("plan: decoding a marshalled spec value: " + err.Error())
	}
	return t
}

func sortChanges(cs []FieldChange) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Path < cs[j].Path })
}

// DiffSchedules diffs two schedules (EventBridge JSON) under the path "schedule.": a
// changed expression, time zone or target is an update of the periodic job, which
// replaces no running task.
func DiffSchedules(old, new *spec.Schedule) []FieldChange {
	ob, nb := marshalSide(old), marshalSide(new)
	if bytes.Equal(ob, nb) {
		return nil
	}
	wrap := func(b []byte) any {
		if b == nil {
			return nil
		}
		return map[string]any{"schedule": toTree(b)}
	}
	changes := diffTrees(wrap(ob), wrap(nb), func(string) bool { return false })
	for i, c := range changes {
		// A target's Input is the overrides JSON as a string, environment values
		// included: never shown.
		if strings.HasSuffix(c.Path, ".Input") {
			c.Masked = true
			changes[i] = redactChange(c)
		}
	}
	return changes
}
