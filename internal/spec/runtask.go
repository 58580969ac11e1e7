package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// TaskOverride is the `overrides` of RunTask (and of an EventBridge ECS target, and of a
// pre-deploy task in ecsgit.yaml): what one run changes of its task definition.
// Fields ecsgit cannot honour (roles, inference accelerators, ephemeral storage) are
// kept out on purpose: the strict decoder then refuses them instead of dropping them.
type TaskOverride struct {
	ContainerOverrides []ContainerOverride `json:"containerOverrides,omitempty"`
	// Cpu and Memory are the task-level values, in the forms the task definition takes
	// ("1024", "1 vCPU", "512", "2 GB").
	Cpu    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// ContainerOverride changes one container of the task for one run.
type ContainerOverride struct {
	Name    string   `json:"name"`
	Command []string `json:"command,omitempty"`
	// Environment adds variables or replaces those of the same name (ECS: "override the
	// existing environment variables ... or add new ones").
	Environment       []KeyValuePair `json:"environment,omitempty"`
	Cpu               *int           `json:"cpu,omitempty"`
	Memory            *int           `json:"memory,omitempty"`
	MemoryReservation *int           `json:"memoryReservation,omitempty"`
}

// IsZero reports whether o changes nothing.
func (o *TaskOverride) IsZero() bool {
	return o == nil || (len(o.ContainerOverrides) == 0 && o.Cpu == "" && o.Memory == "")
}

// DecodeTaskOverride strictly decodes the JSON of `--overrides` (unknown keys are errors,
// as the AWS CLI's parameter validation makes them).
func DecodeTaskOverride(src []byte) (*TaskOverride, error) {
	var o TaskOverride
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("overrides: %w (allowed: containerOverrides[].name, command, environment, cpu, memory, memoryReservation; cpu, memory)", err)
	}
	return &o, nil
}

// ApplyOverrides returns a copy of td with o applied; td is not changed. A container
// override naming no container of td is an error, as in RunTask.
func ApplyOverrides(td TaskDefinition, o *TaskOverride) (TaskDefinition, error) {
	out, err := copyTaskDefinition(td)
	if err != nil || o.IsZero() {
		return out, err
	}
	if o.Cpu != "" {
		v, err := ParseCPUUnits(o.Cpu)
		if err != nil {
			return out, fmt.Errorf("overrides.cpu: %w", err)
		}
		out.Cpu = v
	}
	if o.Memory != "" {
		v, err := ParseMemoryMiB(o.Memory)
		if err != nil {
			return out, fmt.Errorf("overrides.memory: %w", err)
		}
		out.Memory = v
	}
	for i, co := range o.ContainerOverrides {
		k := slices.IndexFunc(out.ContainerDefinitions, func(c ContainerDefinition) bool { return c.Name == co.Name })
		if k < 0 {
			return out, fmt.Errorf("overrides.containerOverrides[%d]: task definition %q has no container %q (containers: %v)", i, td.Family, co.Name, containerNames(td))
		}
		applyContainerOverride(&out.ContainerDefinitions[k], co)
	}
	return out, nil
}

func applyContainerOverride(c *ContainerDefinition, co ContainerOverride) {
	if co.Command != nil {
		c.Command = append([]string(nil), co.Command...)
	}
	for _, kv := range co.Environment {
		if j := slices.IndexFunc(c.Environment, func(e KeyValuePair) bool { return e.Name == kv.Name }); j >= 0 {
			c.Environment[j].Value = kv.Value
		} else {
			c.Environment = append(c.Environment, kv)
		}
	}
	if co.Cpu != nil {
		c.Cpu = *co.Cpu
	}
	if co.Memory != nil {
		c.Memory = new(*co.Memory)
	}
	if co.MemoryReservation != nil {
		c.MemoryReservation = new(*co.MemoryReservation)
	}
}

func containerNames(td TaskDefinition) []string {
	names := make([]string, len(td.ContainerDefinitions))
	for i, c := range td.ContainerDefinitions {
		names[i] = c.Name
	}
	return names
}

// copyTaskDefinition is a deep copy through JSON: the model is plain data.
func copyTaskDefinition(td TaskDefinition) (TaskDefinition, error) {
	var out TaskDefinition
	b, err := json.Marshal(td)
	if err != nil {
		return out, fmt.Errorf("copy task definition %q: %w", td.Family, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("copy task definition %q: %w", td.Family, err)
	}
	return out, nil
}
