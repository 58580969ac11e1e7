package spec

import (
	"bytes"
	"reflect"
	"sync"
)

// ECS defaults that normalization writes into the model (ecs-semantics.md §1a, §1b).
const (
	DefaultHealthCheckInterval = 30
	DefaultHealthCheckTimeout  = 5
	DefaultHealthCheckRetries  = 3
	DefaultNetworkMode         = "bridge"
	DefaultProtocol            = "tcp"
	DefaultSchedulingStrategy  = "REPLICA"
	DefaultLaunchType          = "EC2"
	DefaultDeploymentStrategy  = "ROLLING"
	DefaultDeploymentType      = "ECS"
)

// Normalization writes every default into the struct, rather than leaving it to accessor
// methods, because the property downstream code relies on is: two files that mean the same
// thing normalize to equal structs (reflect.DeepEqual / cmp.Equal). So a missing field and
// its explicit default, 256 and "256", `[]` and a missing array, `false` and a missing
// boolean whose default is false, all end up identical. Array order is kept: ECS gives order
// meaning for command, entryPoint and environment, and set-like comparison belongs to the
// diff layer. Normalization is idempotent.

// NormalizeTaskDefinition applies ECS defaults to td in place.
func NormalizeTaskDefinition(td *TaskDefinition) {
	canonicalize(reflect.ValueOf(td).Elem(), "")
	if td.NetworkMode == "" {
		td.NetworkMode = DefaultNetworkMode
	}
	for i := range td.ContainerDefinitions {
		normalizeContainer(&td.ContainerDefinitions[i], td.NetworkMode)
	}
}

func normalizeContainer(c *ContainerDefinition, networkMode string) {
	if c.Essential == nil {
		c.Essential = new(true)
	}
	for i := range c.PortMappings {
		pm := &c.PortMappings[i]
		if pm.Protocol != "udp" {
			// ECS: "Valid values are tcp and udp (case-sensitive) ... Amazon ECS treats any
			// other specified value as tcp" (types.PortMapping.Protocol); coerceWarnings
			// has already said so for a value other than "" and "tcp".
			pm.Protocol = DefaultProtocol
		}
		switch {
		case (networkMode == "awsvpc" || networkMode == "host") && pm.HostPort == nil && pm.ContainerPort != nil:
			// ECS sets hostPort = containerPort in these modes.
			pm.HostPort = new(*pm.ContainerPort)
		case networkMode == "bridge" && pm.HostPort != nil && *pm.HostPort == 0:
			pm.HostPort = nil // 0 and absent both mean a dynamic host port
		}
	}
	if hc := c.HealthCheck; hc != nil {
		defaultInt(&hc.Interval, DefaultHealthCheckInterval)
		defaultInt(&hc.Timeout, DefaultHealthCheckTimeout)
		defaultInt(&hc.Retries, DefaultHealthCheckRetries)
		if hc.StartPeriod != nil && *hc.StartPeriod == 0 {
			hc.StartPeriod = nil // 0 and absent both mean no start period
		}
	}
}

// NormalizeService applies ECS defaults to s in place.
func NormalizeService(s *Service) {
	canonicalize(reflect.ValueOf(s).Elem(), "")
	if s.SchedulingStrategy == "" {
		s.SchedulingStrategy = DefaultSchedulingStrategy
	}
	if s.LaunchType == "" && len(s.CapacityProviderStrategy) == 0 {
		s.LaunchType = DefaultLaunchType
	}
	if s.DeploymentController == nil {
		s.DeploymentController = &DeploymentController{Type: DefaultDeploymentType}
	}
	if s.DeploymentConfiguration == nil {
		s.DeploymentConfiguration = &DeploymentConfiguration{}
	}
	dc := s.DeploymentConfiguration
	if s.SchedulingStrategy == "DAEMON" {
		defaultInt(&dc.MinimumHealthyPercent, 0)
		defaultInt(&dc.MaximumPercent, 100)
	} else {
		defaultInt(&dc.MinimumHealthyPercent, 100)
		defaultInt(&dc.MaximumPercent, 200)
	}
	if dc.Strategy == "" {
		dc.Strategy = DefaultDeploymentStrategy
	}
	if cb := dc.DeploymentCircuitBreaker; cb != nil && !cb.Enable && !cb.Rollback {
		dc.DeploymentCircuitBreaker = nil // a breaker that neither stops nor rolls back is none
	}
	if cb := dc.DeploymentCircuitBreaker; cb != nil && cb.ResetOnHealthyTask == nil {
		cb.ResetOnHealthyTask = new(true)
	}
	if s.HealthCheckGracePeriodSeconds != nil && *s.HealthCheckGracePeriodSeconds == 0 {
		s.HealthCheckGracePeriodSeconds = nil
	}
}

// defaultTrue names the *bool fields whose ECS default is true; for every other *bool a
// false is the same as absent.
var defaultTrue = map[string]bool{"essential": true, "resetOnHealthyTask": true}

// canonicalize walks v and maps "same meaning" representations onto one: empty slices and
// maps become nil, JSON null raw messages become nil, and a *bool false whose default is
// false becomes nil.
func canonicalize(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Elem().Kind() == reflect.Bool && !v.Elem().Bool() && !defaultTrue[name] {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		canonicalize(v.Elem(), name)
	case reflect.Slice:
		if v.Type() == rawMessageType {
			if s := bytes.TrimSpace(v.Bytes()); len(s) == 0 || string(s) == "null" {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := 0; i < v.Len(); i++ {
			canonicalize(v.Index(i), name)
		}
	case reflect.Map:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
		}
	case reflect.Struct:
		for _, f := range canonicalFieldsOf(v.Type()) {
			canonicalize(v.Field(f.index), f.name)
		}
	}
}

// canonicalField is an exported field of a struct with its JSON name.
type canonicalField struct {
	index int
	name  string
}

var canonicalFields sync.Map // reflect.Type → []canonicalField

// canonicalFieldsOf lists t's exported fields once per type: reading the struct tags on
// every value was a tenth of a 5,000-service load.
func canonicalFieldsOf(t reflect.Type) []canonicalField {
	if fs, ok := canonicalFields.Load(t); ok {
		return fs.([]canonicalField)
	}
	var fs []canonicalField
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			fs = append(fs, canonicalField{index: i, name: jsonName(f)})
		}
	}
	canonicalFields.Store(t, fs)
	return fs
}

func defaultInt(p **int, def int) {
	if *p == nil {
		*p = new(def)
	}
}
