package spec

// TaskDefinitionDoc is a task definition as found in the repository, with where it came
// from. Origin is "ecs" for ECS JSON files and "compose" for task definitions converted
// from a docker-compose project.
type TaskDefinitionDoc struct {
	TaskDefinition
	Pos    Pos    `json:"-"` // the document (file) position
	Fields PosMap `json:"-"` // field path → position (nil in a document a FileCache kept: see Positions)
	// table replaces Fields in a document a FileCache kept.
	table  *PosTable
	Origin string `json:"-"`
	// Fidelity holds notes from the conversion that produced this definition (compose);
	// empty for ECS JSON.
	Fidelity []FidelityNote `json:"-"`
	// ContentKey names the file the document was decoded from and its content (git blob
	// or SHA-256), when Load knew it (LoadOptions.Digests or Cache); empty otherwise. Two
	// documents with the same key were decoded from the same bytes, positions included.
	ContentKey string `json:"-"`
}

// ServiceDoc is a service definition as found in the repository.
type ServiceDoc struct {
	Service
	Pos    Pos    `json:"-"`
	Fields PosMap `json:"-"` // as TaskDefinitionDoc.Fields
	table  *PosTable
	Origin string `json:"-"`
	// ContentKey is TaskDefinitionDoc.ContentKey for the service's file.
	ContentKey string `json:"-"`
	// After lists services that must be applied (and healthy) before this one: from
	// ecsgit.yaml `services.<name>.after`, or from compose depends_on across services.
	After []string `json:"-"`
	// PreDeploy are the tasks run before each deployment (ecsgit.yaml
	// services.<name>.preDeploy), checked against the repository.
	PreDeploy []PreDeployTask `json:"-"`
	Fidelity  []FidelityNote  `json:"-"`
	// Scaling is the Application Auto Scaling of the service (a scalable target with
	// its policies and scheduled actions); nil when it has no scalable target.
	Scaling *ServiceScaling `json:"-"`
	// Schedule is set on the service that stands for a schedule (ScheduleJobName): the
	// pipeline plans, applies, prunes and records a schedule as it does a service.
	Schedule *ScheduleDoc `json:"-"`
}

// Positions are where the task definition's values stood. Read positions through it,
// not Fields: a document from a FileCache has only the compact table.
func (d *TaskDefinitionDoc) Positions() Positions {
	if d.table != nil {
		return d.table
	}
	return d.Fields
}

// Positions are where the service's values stood (TaskDefinitionDoc.Positions).
func (d *ServiceDoc) Positions() Positions {
	if d.table != nil {
		return d.table
	}
	return d.Fields
}

// Desired is the whole desired state of a repository: every service with the task
// definition it runs. It is the output of Load and the input of translation and planning.
type Desired struct {
	Root   string
	Config Config
	// TaskDefinitions by family. A family defined twice is an error (ECS-REPO-002).
	TaskDefinitions map[string]*TaskDefinitionDoc
	// Services in a stable order (by serviceName), including one per schedule.
	Services []*ServiceDoc
	// Load balancers, listeners, rules and target groups (elb.go), in file order.
	LoadBalancers []*LoadBalancerDoc
	Listeners     []*ListenerDoc
	Rules         []*RuleDoc
	TargetGroups  []*TargetGroupDoc
	// Schedules as found (each also stands in Services, see ServiceDoc.Schedule).
	Schedules []*ScheduleDoc
	// Diagnostics from decoding, normalization and validation, sorted.
	Diagnostics Diagnostics
	// Files lists every file that contributed, relative to Root, sorted (for change
	// detection and for `validate` output).
	Files []string
	// connectEndpoints: ConnectEndpoints by namespace, computed once by the loader
	// (read-only afterwards); nil for a Desired built by hand.
	connectEndpoints map[string][]ConnectEndpoint
}

// TaskDefinitionFor returns the task definition a service runs (by family; a
// "family:revision" reference resolves to the family in the repository).
func (d *Desired) TaskDefinitionFor(s *ServiceDoc) *TaskDefinitionDoc {
	return d.TaskDefinitions[FamilyOf(s.TaskDefinition)]
}

// FamilyOf returns the family part of "family", "family:revision" or a task-definition ARN
// ("arn:aws:ecs:region:account:task-definition/family:revision").
func FamilyOf(ref string) string {
	if i := lastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	if i := lastIndexByte(ref, ':'); i >= 0 {
		return ref[:i]
	}
	return ref
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
