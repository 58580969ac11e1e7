package compose

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// ExtensionKey is the service-level compose extension that carries what compose has no
// words for: grouping services into one ECS task, and ECS-only service settings.
const ExtensionKey = "x-ecsgit"

// Extension is the value of `x-ecsgit` on a compose service. Every field is optional.
// Service-level settings given on several services of one task must agree.
type Extension struct {
	// Task groups services into one task definition and one ECS service named after it:
	// the containers share localhost (awsvpc-like network namespace), are placed on the
	// same host and are scheduled and scaled together.
	Task string `json:"task,omitempty"`
	// ServiceName overrides the ECS service name (default: <project>-<task or service>).
	ServiceName string `json:"serviceName,omitempty"`
	// Essential overrides the container's essential flag (default true, false for a
	// dependency that others wait on with service_completed_successfully).
	Essential *bool `json:"essential,omitempty"`
	// DesiredCount overrides deploy.replicas.
	DesiredCount *int `json:"desiredCount,omitempty"`
	// MinimumHealthyPercent and MaximumPercent override what deploy.update_config gives.
	MinimumHealthyPercent *int `json:"minimumHealthyPercent,omitempty"`
	MaximumPercent        *int `json:"maximumPercent,omitempty"`
	// CircuitBreaker overrides what deploy.update_config.failure_action gives.
	CircuitBreaker *spec.DeploymentCircuitBreaker `json:"circuitBreaker,omitempty"`
	// PlacementStrategy and PlacementConstraints are ECS service placement, appended to
	// what deploy.placement gives.
	PlacementStrategy    []spec.PlacementStrategy   `json:"placementStrategy,omitempty"`
	PlacementConstraints []spec.PlacementConstraint `json:"placementConstraints,omitempty"`
}

// decodeExtension reads x-ecsgit strictly: a misspelt setting must fail, not vanish.
func decodeExtension(v any) (Extension, error) {
	var x Extension
	if v == nil {
		return x, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return x, fmt.Errorf("%s: %w", ExtensionKey, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return x, fmt.Errorf("%s: %w", ExtensionKey, err)
	}
	return x, nil
}
