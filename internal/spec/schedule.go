package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// Rule IDs of schedules (EventBridge Scheduler schedules, CloudWatch Events rules).
const (
	RuleScheduleName       = "ECS-SCHED-001" // Name required, [0-9A-Za-z_.-]{1,64}, unique
	RuleScheduleExpression = "ECS-SCHED-002" // rate(N unit), cron(6 fields), at(yyyy-mm-ddThh:mm:ss)
	RuleScheduleTimezone   = "ECS-SCHED-003" // an IANA time zone; Scheduler only
	RuleScheduleTarget     = "ECS-SCHED-004" // one ECS target with EcsParameters naming a family of the repository
	RuleScheduleTaskCount  = "ECS-SCHED-005" // TaskCount 1–10
	RuleScheduleWindow     = "ECS-SCHED-006" // FlexibleTimeWindow Mode OFF | FLEXIBLE (1–1440 minutes)
	RuleScheduleState      = "ECS-SCHED-007" // State ENABLED | DISABLED
	RuleScheduleInput      = "ECS-SCHED-008" // Input: the task overrides JSON (containerOverrides, cpu, memory)
)

// ScheduleKind tells the two APIs apart.
type ScheduleKind string

const (
	// ScheduleScheduler is an EventBridge Scheduler schedule (CreateSchedule input: one
	// Target).
	ScheduleScheduler ScheduleKind = "scheduler"
	// ScheduleRule is a CloudWatch Events / EventBridge rule (PutRule input) with its
	// targets (PutTargets' Targets) in the same file.
	ScheduleRule ScheduleKind = "rule"
)

// Schedule is the input of CreateSchedule (Scheduler) or PutRule + PutTargets (a rule),
// as far as an ECS target goes. Shapes ecsgit does not translate are kept raw and
// reported.
type Schedule struct {
	Name                       string              `json:"Name"`
	GroupName                  string              `json:"GroupName,omitempty"`
	Description                string              `json:"Description,omitempty"`
	ScheduleExpression         string              `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string              `json:"ScheduleExpressionTimezone,omitempty"`
	State                      string              `json:"State,omitempty"` // ENABLED (default) | DISABLED
	FlexibleTimeWindow         *FlexibleTimeWindow `json:"FlexibleTimeWindow,omitempty"`
	StartDate                  string              `json:"StartDate,omitempty"`
	EndDate                    string              `json:"EndDate,omitempty"`
	ActionAfterCompletion      string              `json:"ActionAfterCompletion,omitempty"`
	KmsKeyArn                  string              `json:"KmsKeyArn,omitempty"`
	ClientToken                string              `json:"ClientToken,omitempty"`
	Target                     *ScheduleTarget     `json:"Target,omitempty"`
	// Rule-only fields.
	RoleArn      string           `json:"RoleArn,omitempty"`
	EventBusName string           `json:"EventBusName,omitempty"`
	EventPattern json.RawMessage  `json:"EventPattern,omitempty"`
	Tags         json.RawMessage  `json:"Tags,omitempty"`
	Targets      []ScheduleTarget `json:"Targets,omitempty"`
}

// FlexibleTimeWindow is Scheduler's start window.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"` // OFF | FLEXIBLE
	MaximumWindowInMinutes *int   `json:"MaximumWindowInMinutes,omitempty"`
}

// ScheduleTarget is a Scheduler Target or a rule's target.
type ScheduleTarget struct {
	Id               string          `json:"Id,omitempty"` // rules
	Arn              string          `json:"Arn"`
	RoleArn          string          `json:"RoleArn,omitempty"`
	Input            string          `json:"Input,omitempty"`
	EcsParameters    *EcsParameters  `json:"EcsParameters,omitempty"`
	RetryPolicy      json.RawMessage `json:"RetryPolicy,omitempty"`
	DeadLetterConfig json.RawMessage `json:"DeadLetterConfig,omitempty"`
}

// EcsParameters is the ECS part of a target.
type EcsParameters struct {
	TaskDefinitionArn        string          `json:"TaskDefinitionArn"`
	TaskCount                *int            `json:"TaskCount,omitempty"`
	LaunchType               string          `json:"LaunchType,omitempty"`
	PlatformVersion          string          `json:"PlatformVersion,omitempty"`
	Group                    string          `json:"Group,omitempty"`
	NetworkConfiguration     json.RawMessage `json:"NetworkConfiguration,omitempty"`
	PlacementConstraints     json.RawMessage `json:"PlacementConstraints,omitempty"`
	PlacementStrategy        json.RawMessage `json:"PlacementStrategy,omitempty"`
	CapacityProviderStrategy json.RawMessage `json:"CapacityProviderStrategy,omitempty"`
	EnableECSManagedTags     *bool           `json:"EnableECSManagedTags,omitempty"`
	EnableExecuteCommand     *bool           `json:"EnableExecuteCommand,omitempty"`
	PropagateTags            string          `json:"PropagateTags,omitempty"`
	ReferenceId              string          `json:"ReferenceId,omitempty"`
	Tags                     json.RawMessage `json:"Tags,omitempty"`
}

// ScheduleDoc is a schedule as found in the repository.
type ScheduleDoc struct {
	Schedule
	Kind   ScheduleKind `json:"-"`
	Pos    Pos          `json:"-"`
	Fields PosMap       `json:"-"`
	// Overrides is Target.Input decoded (nil: none).
	Overrides *TaskOverride `json:"-"`
	// ProhibitOverlap is ecsgit.yaml schedules.<name>.prohibitOverlap.
	ProhibitOverlap bool `json:"-"`
}

// ScheduleJobName is the serviceName a schedule is planned under ("schedule-" + Name):
// the Nomad job ID is the job prefix + this, so a schedule never takes a service's job.
func ScheduleJobName(name string) string { return "schedule-" + name }

// EcsTarget is the schedule's ECS target (nil when it has none).
func (s *Schedule) EcsTarget() *ScheduleTarget {
	if s.Target != nil {
		return s.Target
	}
	for i := range s.Targets {
		if s.Targets[i].EcsParameters != nil {
			return &s.Targets[i]
		}
	}
	return nil
}

// TaskCountOrDefault is EcsParameters.TaskCount (default 1).
func (p *EcsParameters) TaskCountOrDefault() int {
	if p == nil || p.TaskCount == nil {
		return 1
	}
	return *p.TaskCount
}

func classifySchedule(root *node) bool {
	return root != nil && root.kind == kindObject && root.get("ScheduleExpression") != nil
}

func decodeScheduleNode(root *node) (*ScheduleDoc, Diagnostics) {
	d := newDecoder()
	doc := &ScheduleDoc{Pos: Pos{File: root.pos.File}, Kind: ScheduleScheduler}
	d.decode(root, reflect.ValueOf(&doc.Schedule).Elem(), "")
	doc.Fields = d.fields
	if root.get("Targets") != nil || root.get("Target") == nil && root.get("EventPattern") != nil {
		doc.Kind = ScheduleRule
	}
	return doc, d.diags
}

var scheduleNameRE = regexp.MustCompile(`^[0-9A-Za-z_.-]{1,64}$`)

// ValidateSchedule checks one schedule on its own (the family is checked by the
// assembler, which knows the repository).
func ValidateSchedule(s *ScheduleDoc) Diagnostics {
	var ds Diagnostics
	add := func(field, rule, format string, args ...any) {
		ds = append(ds, diag(s.Fields.At(field), SeverityError, rule, format, args...))
	}
	if !scheduleNameRE.MatchString(s.Name) {
		add("Name", RuleScheduleName, "Name %q: 1 to 64 letters, digits, '.', '_' or '-'", s.Name)
	}
	if _, err := ParseScheduleExpression(s.ScheduleExpression); err != nil {
		add("ScheduleExpression", RuleScheduleExpression, "ScheduleExpression %q: %v", s.ScheduleExpression, err)
	}
	if tz := s.ScheduleExpressionTimezone; tz != "" {
		if s.Kind == ScheduleRule {
			add("ScheduleExpressionTimezone", RuleScheduleTimezone, "ScheduleExpressionTimezone is a Scheduler setting; rules run in UTC")
		} else if _, err := time.LoadLocation(tz); err != nil {
			add("ScheduleExpressionTimezone", RuleScheduleTimezone, "ScheduleExpressionTimezone %q is not a time zone (IANA names such as Europe/Paris, America/New_York, UTC)", tz)
		}
	}
	if st := s.State; st != "" && st != "ENABLED" && st != "DISABLED" {
		add("State", RuleScheduleState, "State %q: ENABLED or DISABLED", st)
	}
	if w := s.FlexibleTimeWindow; w != nil {
		switch {
		case w.Mode != "OFF" && w.Mode != "FLEXIBLE":
			add("FlexibleTimeWindow.Mode", RuleScheduleWindow, "FlexibleTimeWindow.Mode %q: OFF or FLEXIBLE", w.Mode)
		case w.Mode == "FLEXIBLE" && (w.MaximumWindowInMinutes == nil || *w.MaximumWindowInMinutes < 1 || *w.MaximumWindowInMinutes > 1440):
			add("FlexibleTimeWindow", RuleScheduleWindow, "FlexibleTimeWindow FLEXIBLE needs MaximumWindowInMinutes 1 to 1440")
		}
	} else if s.Kind == ScheduleScheduler {
		add("Name", RuleScheduleWindow, "FlexibleTimeWindow is required by CreateSchedule (use {\"Mode\": \"OFF\"})")
	}
	ds = append(ds, validateScheduleTarget(s)...)
	return ds
}

func validateScheduleTarget(s *ScheduleDoc) Diagnostics {
	var ds Diagnostics
	field := "Target"
	if s.Kind == ScheduleRule {
		field = "Targets"
	}
	t := s.EcsTarget()
	n, at := 0, field
	for i := range s.Targets {
		if s.Targets[i].EcsParameters != nil {
			n++
			if n == 1 {
				at = fmt.Sprintf("Targets[%d]", i)
			}
		}
	}
	switch {
	case t == nil || t.EcsParameters == nil:
		return append(ds, diag(s.Fields.At(field), SeverityError, RuleScheduleTarget, "%s: no ECS target (EcsParameters with TaskDefinitionArn); ecsgit runs schedules of ECS tasks only", field))
	case n > 1:
		return append(ds, diag(s.Fields.At(field), SeverityError, RuleScheduleTarget, "Targets: %d ECS targets; ecsgit runs one ECS target per rule (split the rule)", n))
	case s.Kind == ScheduleRule && len(s.Targets) > 1:
		ds = append(ds, diag(s.Fields.At(field), SeverityError, RuleScheduleTarget, "Targets: only the ECS target is run; remove the others (ecsgit drops no target silently)"))
	}
	if t.EcsParameters.TaskDefinitionArn == "" {
		ds = append(ds, diag(s.Fields.At(at+".EcsParameters"), SeverityError, RuleScheduleTarget, "EcsParameters.TaskDefinitionArn is required (the task-definition family)"))
	}
	if c := t.EcsParameters.TaskCount; c != nil && (*c < 1 || *c > 10) {
		ds = append(ds, diag(s.Fields.At(at+".EcsParameters.TaskCount"), SeverityError, RuleScheduleTaskCount, "EcsParameters.TaskCount %d: 1 to 10", *c))
	}
	if t.Input != "" {
		o, err := DecodeTaskOverride([]byte(t.Input))
		if err != nil {
			ds = append(ds, diag(s.Fields.At(at+".Input"), SeverityError, RuleScheduleInput, "Input: %v", err))
		} else {
			s.Overrides = o
		}
	}
	return ds
}

// Expression is a parsed ScheduleExpression.
type Expression struct {
	Kind string // "rate", "cron" or "at"
	// Rate: Every is the interval.
	Every time.Duration
	// Cron: the six fields (minute hour day-of-month month day-of-week year).
	Cron []string
	// At: the one time, in the schedule's time zone.
	At time.Time
}

// ParseScheduleExpression parses rate(), cron() and at() as EventBridge takes them. The
// cron fields are checked for their shape only: Nomad's cron parser (cronexpr) reads
// them, L, W and # included, when the schedule is translated.
func ParseScheduleExpression(s string) (Expression, error) {
	kind, body, ok := splitExpression(s)
	switch {
	case ok && kind == "rate":
		n, unit, every, err := parseRate(body)
		if err != nil {
			return Expression{}, err
		}
		if singular := strings.TrimSuffix(unit, "s"); (n == 1) != (unit == singular) {
			return Expression{}, fmt.Errorf("write %q with the value 1 and %q otherwise (rate(1 hour), rate(5 hours))", singular, singular+"s")
		}
		return Expression{Kind: "rate", Every: every}, nil
	case ok && kind == "cron":
		f, err := cronShape(body)
		if err != nil {
			return Expression{}, err
		}
		return Expression{Kind: "cron", Cron: f}, nil
	case ok && kind == "at":
		t, err := parseAt(body, time.UTC)
		if err != nil {
			return Expression{}, err
		}
		return Expression{Kind: "at", At: t}, nil
	}
	return Expression{}, fmt.Errorf("want rate(VALUE UNIT) (minute(s), hour(s), day(s)), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)")
}

// addSchedule validates a schedule and keeps it (duplicate names are refused).
func (a *assembler) addSchedule(s *ScheduleDoc, validate bool) {
	if validate {
		a.d.Diagnostics = append(a.d.Diagnostics, ValidateSchedule(s)...)
	}
	if s.Name == "" {
		return
	}
	for _, o := range a.d.Schedules {
		if o.Name == s.Name {
			a.errorf(s.Fields.At("Name"), RuleScheduleName, "schedule %q is already defined in %s", s.Name, o.Pos.File)
			return
		}
	}
	a.d.Schedules = append(a.d.Schedules, s)
}

// scheduleServices checks each schedule's task definition against the repository and
// adds the service that stands for it: serviceName ScheduleJobName(Name), the family,
// desiredCount = TaskCount. A schedule whose name is a service's is refused.
func (a *assembler) scheduleServices() {
	for _, s := range a.d.Schedules {
		t := s.EcsTarget()
		if t == nil || t.EcsParameters == nil || t.EcsParameters.TaskDefinitionArn == "" {
			continue // reported by ValidateSchedule
		}
		ref := t.EcsParameters.TaskDefinitionArn
		fam := FamilyOf(ref)
		at := s.Fields.At(s.targetPath() + ".EcsParameters.TaskDefinitionArn")
		if _, pinned := revisionOf(ref); pinned {
			a.errorf(at, RuleScheduleTarget, "EcsParameters.TaskDefinitionArn %q pins a revision; write the family %q (ecsgit runs the definition the repository holds)", ref, fam)
			continue
		}
		td := a.d.TaskDefinitions[fam]
		if td == nil {
			a.errorf(at, RuleScheduleTarget, "EcsParameters.TaskDefinitionArn: no task definition of family %q in the repository", fam)
			continue
		}
		if _, err := ApplyOverrides(td.TaskDefinition, s.Overrides); err != nil {
			a.errorf(s.Fields.At(s.targetPath()+".Input"), RuleScheduleInput, "Input: %v", err)
			continue
		}
		name := ScheduleJobName(s.Name)
		if first, dup := a.svcFile[name]; dup {
			a.errorf(s.Fields.At("Name"), RuleScheduleName, "schedule %q would be job %q, which service %s already is", s.Name, name, first)
			continue
		}
		s.ProhibitOverlap = a.d.Config.Schedules[s.Name].ProhibitOverlap
		count := t.EcsParameters.TaskCountOrDefault()
		svc := &ServiceDoc{Service: Service{ServiceName: name, TaskDefinition: fam, DesiredCount: &count,
			LaunchType: t.EcsParameters.LaunchType}, Pos: s.Pos, Fields: s.Fields, Origin: "schedule", Schedule: s}
		if err := placementOf(t.EcsParameters, &svc.Service); err != nil {
			a.errorf(s.Fields.At(s.targetPath()+".EcsParameters"), RuleScheduleTarget, "EcsParameters: %v", err)
			continue
		}
		a.svcFile[name] = s.Pos.File
		a.d.Services = append(a.d.Services, svc)
	}
}

// targetPath is the field path of the ECS target ("Target" or "Targets[i]").
func (s *ScheduleDoc) targetPath() string {
	for i := range s.Targets {
		if s.Targets[i].EcsParameters != nil {
			return fmt.Sprintf("Targets[%d]", i)
		}
	}
	return "Target"
}

// placementOf carries a target's PlacementConstraints and PlacementStrategy (EventBridge
// spells them {"Type", "Expression"} and {"Type", "Field"}) onto the stand-in service,
// which translates them as a service's (memberOf, distinctInstance, spread, binpack).
func placementOf(p *EcsParameters, svc *Service) error {
	if len(p.PlacementConstraints) > 0 {
		var cs []struct{ Type, Expression string }
		if err := json.Unmarshal(p.PlacementConstraints, &cs); err != nil {
			return fmt.Errorf("PlacementConstraints: %w", err)
		}
		for _, c := range cs {
			if c.Type == "memberOf" {
				if _, err := ParseCQL(c.Expression); err != nil {
					return fmt.Errorf("PlacementConstraints: memberOf %q: %v", c.Expression, err)
				}
			}
			svc.PlacementConstraints = append(svc.PlacementConstraints, PlacementConstraint{Type: c.Type, Expression: c.Expression})
		}
	}
	if len(p.PlacementStrategy) > 0 {
		var ss []struct{ Type, Field string }
		if err := json.Unmarshal(p.PlacementStrategy, &ss); err != nil {
			return fmt.Errorf("PlacementStrategy: %w", err)
		}
		for _, st := range ss {
			svc.PlacementStrategy = append(svc.PlacementStrategy, PlacementStrategy{Type: st.Type, Field: st.Field})
		}
	}
	return nil
}
