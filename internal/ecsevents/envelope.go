// Package ecsevents derives Amazon ECS events from Nomad's event stream: task state
// changes, service actions and deployment state changes in EventBridge's envelope, and
// the human service events of the ECS console ("(service web) has reached a steady
// state."). The mapping is a pure function of the Nomad events plus a small memory of
// what was already emitted (Mapper); it reads nothing and sends nothing (docs/events.md).
package ecsevents

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"
)

// Detail types: the three of ECS, and ecsgit's one for the console's service events.
const (
	DetailTaskStateChange       = "ECS Task State Change"
	DetailServiceAction         = "ECS Service Action"
	DetailDeploymentStateChange = "ECS Deployment State Change"
	// DetailServiceEvent is not an EventBridge type: it carries the console's human
	// service event (DescribeServices events[] shape) so it travels the same pipe.
	DetailServiceEvent = "ECS Service Event"

	// Source is EventBridge's source of ECS events.
	Source = "aws.ecs"
)

// Service action and deployment event names (detail.eventName).
const (
	ServiceSteadyState          = "SERVICE_STEADY_STATE"
	ServiceTaskPlacementFailure = "SERVICE_TASK_PLACEMENT_FAILURE"
	ServiceDeploymentInProgress = "SERVICE_DEPLOYMENT_IN_PROGRESS"
	ServiceDeploymentCompleted  = "SERVICE_DEPLOYMENT_COMPLETED"
	ServiceDeploymentFailed     = "SERVICE_DEPLOYMENT_FAILED"
	// serviceEventConsoleEventName is what EventName says of a console service event (it has none).
	serviceEventConsoleEventName = "SERVICE_EVENT"
)

// detail.eventType values.
const eventTypeInfo, eventTypeWarn, eventTypeError = "INFO", "WARN", "ERROR"

// Task lastStatus and desiredStatus values.
const (
	taskStatusProvisioning         = "PROVISIONING"
	taskStatusPending              = "PENDING"
	taskStatusRunning              = "RUNNING"
	taskStatusStopped              = "STOPPED"
	desiredRunning, desiredStopped = "RUNNING", "STOPPED"
)

// Task stopCode values ecsgit reports (docs/events.md; UserInitiated belongs to
// stop-task, which ecsgit does not have).
const (
	stopCodeTaskFailedToStart = "TaskFailedToStart"
	stopCodeEssentialExited   = "EssentialContainerExited"
	stopCodeServiceScheduler  = "ServiceSchedulerInitiated"
	stopCodeTerminationNotice = "TerminationNotice"
)

// Envelope is one event in EventBridge's envelope. Detail is one of TaskDetail,
// ServiceActionDetail, DeploymentDetail or ServiceEventDetail.
type Envelope struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       time.Time `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     any       `json:"detail"`
}

// Event is an envelope with what ecsgit knows about it beyond the envelope: the service
// it concerns, the Nomad index it was derived at (the stream's resume point) and a
// one-line human text (the console message, or a summary).
type Event struct {
	Envelope   Envelope
	Service    string
	NomadIndex uint64
	Text       string
}

// EventName is detail.eventName (service actions and deployments) or the task's
// lastStatus (task state changes).
func (e *Event) EventName() string {
	switch d := e.Envelope.Detail.(type) {
	case *ServiceActionDetail:
		return d.EventName
	case *DeploymentDetail:
		return d.EventName
	case *TaskDetail:
		return d.LastStatus
	case *ServiceEventDetail:
		return serviceEventConsoleEventName
	}
	return ""
}

// MarshalJSON is the envelope: what a receiver gets.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.Envelope) }

// eventID is the stable ID of an event: a UUID-shaped hash of what identifies the
// transition (the namespace, the Nomad object and the state it reached), so that the
// same transition derived twice (a resubscription, a daemon restart that re-reads
// Nomad's buffer) carries the same ID and a receiver can drop the copy.
func eventID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = (b[6] & 0x0f) | 0x50 // version 5 layout (name-based, SHA)
	b[8] = (b[8] & 0x3f) | 0x80
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// TaskDetail is the detail of an ECS Task State Change.
type TaskDetail struct {
	ClusterArn           string            `json:"clusterArn"`
	ContainerInstanceArn string            `json:"containerInstanceArn,omitempty"`
	Containers           []ContainerDetail `json:"containers"`
	CreatedAt            time.Time         `json:"createdAt"`
	DesiredStatus        string            `json:"desiredStatus"`
	Group                string            `json:"group"`
	LaunchType           string            `json:"launchType"`
	LastStatus           string            `json:"lastStatus"`
	StartedBy            string            `json:"startedBy,omitempty"`
	PullStartedAt        *time.Time        `json:"pullStartedAt,omitempty"`
	StartedAt            *time.Time        `json:"startedAt,omitempty"`
	StoppingAt           *time.Time        `json:"stoppingAt,omitempty"`
	StoppedAt            *time.Time        `json:"stoppedAt,omitempty"`
	StopCode             string            `json:"stopCode,omitempty"`
	StoppedReason        string            `json:"stoppedReason,omitempty"`
	TaskArn              string            `json:"taskArn"`
	TaskDefinitionArn    string            `json:"taskDefinitionArn,omitempty"`
	UpdatedAt            time.Time         `json:"updatedAt"`
	// Version counts the task's state changes, as ECS's does (detail.version).
	Version int `json:"version"`
}

// ContainerDetail is one container of a task state change.
type ContainerDetail struct {
	ContainerArn string `json:"containerArn"`
	Name         string `json:"name"`
	LastStatus   string `json:"lastStatus"`
	ExitCode     *int   `json:"exitCode,omitempty"`
	Reason       string `json:"reason,omitempty"`
	TaskArn      string `json:"taskArn"`
}

// ServiceActionDetail is the detail of an ECS Service Action.
type ServiceActionDetail struct {
	EventType  string    `json:"eventType"`
	EventName  string    `json:"eventName"`
	ClusterArn string    `json:"clusterArn"`
	CreatedAt  time.Time `json:"createdAt"`
	// Reason is set for placement failures ("RESOURCE:MEMORY", "CONSTRAINT:distinct_hosts").
	Reason          string   `json:"reason,omitempty"`
	DesiredCount    *int     `json:"desiredCount,omitempty"`
	ContainerPort   *int     `json:"containerPort,omitempty"`
	TaskArns        []string `json:"taskArns,omitempty"`
	ContainerInsts  []string `json:"containerInstanceArns,omitempty"`
	CapacityProvArn []string `json:"capacityProviderArns,omitempty"`
}

// DeploymentDetail is the detail of an ECS Deployment State Change.
type DeploymentDetail struct {
	EventType    string    `json:"eventType"`
	EventName    string    `json:"eventName"`
	DeploymentID string    `json:"deploymentId"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Reason       string    `json:"reason"`
}

// ServiceEventDetail is a console service event (DescribeServices events[] member).
type ServiceEventDetail struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	Message    string    `json:"message"`
	ServiceArn string    `json:"serviceArn"`
}

// SortByIndex orders events by Nomad index, keeping the derived order within one index.
func SortByIndex(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].NomadIndex < evs[j].NomadIndex })
}

// Record is an event as ecsgit lists it (GET /v1/events, `ecsgit events -o json` with
// --with-text): the envelope with the service, the Nomad index and the human text.
type Record struct {
	Service    string          `json:"service"`
	NomadIndex uint64          `json:"nomadIndex"`
	Text       string          `json:"text"`
	Event      json.RawMessage `json:"event"`
}

// RecordOf is ev as a Record.
func RecordOf(ev Event) Record {
	b, _ := json.Marshal(ev.Envelope) // plain data: cannot fail
	return Record{Service: ev.Service, NomadIndex: ev.NomadIndex, Text: ev.Text, Event: b}
}
