package nomadbackend

// Nomad reports states as strings and does not export most of them from its api module
// (they live in nomad/structs, which ecsgit must not import). They are typed here.

// DiffType is Nomad's verdict on a job, task-group or field diff (nomad/structs/diff.go).
type DiffType string

const (
	DiffNone    DiffType = "None"
	DiffAdded   DiffType = "Added"
	DiffDeleted DiffType = "Deleted"
	DiffEdited  DiffType = "Edited"
)

// JobStatus is a job's status (nomad/structs JobStatus*).
type JobStatus string

const (
	JobPending JobStatus = "pending"
	JobRunning JobStatus = "running"
	JobDead    JobStatus = "dead"
)

// DeploymentStatus is a deployment's status (nomad/structs DeploymentStatus*).
type DeploymentStatus string

const (
	DeploymentRunning    DeploymentStatus = "running"
	DeploymentPaused     DeploymentStatus = "paused"
	DeploymentPending    DeploymentStatus = "pending"
	DeploymentBlocked    DeploymentStatus = "blocked"
	DeploymentSuccessful DeploymentStatus = "successful"
	DeploymentFailed     DeploymentStatus = "failed"
	DeploymentCancelled  DeploymentStatus = "cancelled"
)

// Ended reports whether a deployment in status s is over.
func (s DeploymentStatus) Ended() bool {
	return s == DeploymentSuccessful || s == DeploymentFailed || s == DeploymentCancelled
}

// Task annotations Nomad puts on a TaskDiff (scheduler/annotate.go).
const (
	AnnotationForcesCreate        = "forces create"
	AnnotationForcesDestroy       = "forces destroy"
	AnnotationForcesInPlace       = "forces in-place update"
	AnnotationForcesDestroyCreate = "forces create/destroy update"
)

// Ownership meta keys (MetaManagedBy, MetaSource, ManagedByValue) are defined with the
// translation that writes them (package nomadjob, translate.go).
