package reconcile

import (
	"encoding/json"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// scheduleRecord is the service document recorded for a schedule: the stand-in
// service and the schedule itself (EventBridge JSON), so history and the next plan's
// diff see the schedule's fields.
type scheduleRecord struct {
	spec.Service
	Schedule *spec.Schedule `json:"schedule,omitempty"`
}

// serviceDocument is what a service's record keeps as its service definition.
func serviceDocument(s *spec.ServiceDoc) any {
	if s.Schedule == nil {
		return &s.Service
	}
	return &scheduleRecord{Service: s.Service, Schedule: &s.Schedule.Schedule}
}

// recordedSchedule is the schedule ecsgit last applied (nil: none recorded).
func recordedSchedule(rec *nomadbackend.ServiceRecord) (*spec.Schedule, error) {
	if rec == nil || len(rec.Service) == 0 {
		return nil, nil
	}
	var r scheduleRecord
	if err := json.Unmarshal(rec.Service, &r); err != nil {
		return nil, fmt.Errorf("record's schedule: %w", err)
	}
	return r.Schedule, nil
}

func desiredCountOf(s *spec.ServiceDoc) int {
	if s.DesiredCount == nil {
		return 0
	}
	return *s.DesiredCount
}
