package syncloop

import (
	"sort"
	"sync"
	"time"

	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// SyncStatus is the daemon's state, served as JSON at GET /v1/status (docs/sync.md).
// It is a view for people and tools; nothing reads it back: the durable state is the
// records in Nomad.
type SyncStatus struct {
	Source    string              `json:"source"`
	Namespace string              `json:"namespace"`
	DriftMode reconcile.DriftMode `json:"driftMode"`
	// Leader describes the HA lock: whether this replica acts, and who does.
	Leader LeaderStatus `json:"leader"`
	// Ready: this replica acts and its last pass reached Git and Nomad and applied the
	// newest valid commit, or it is a standby following the lock. It drops when a pass
	// fails transiently (Stale says why) and comes back with the next successful pass.
	Ready bool `json:"ready"`
	// Stale is set while the passes fail transiently (Git or Nomad unreachable): the
	// per-service states are then Unknown and Deployed may be behind Head.
	Stale *StaleStatus `json:"stale,omitempty"`
	// Deployed is the last revision applied successfully (nil before the first).
	Deployed *RevisionStatus `json:"deployed,omitempty"`
	// Head is the newest revision fetched; CommitsBehind counts the commits from
	// Deployed to Head when the source keeps history (a full clone), else it is absent.
	Head          *RevisionStatus `json:"head,omitempty"`
	CommitsBehind *int            `json:"commitsBehind,omitempty"`
	// LastAttempt is the most recent pass, successful or not.
	LastAttempt *AttemptStatus `json:"lastAttempt,omitempty"`
	// Services are the services of the deployed (or last planned) revision.
	Services []ServiceStatus `json:"services"`
	// DriftedServices counts services whose live job differs from what ecsgit applied.
	DriftedServices int `json:"driftedServices"`
	// NextPoll is when the next poll fetch is due.
	NextPoll *time.Time `json:"nextPoll,omitempty"`
}

// LeaderStatus is this replica's view of the HA lock.
type LeaderStatus struct {
	Enabled  bool   `json:"enabled"`          // false: single replica, no lock
	IsLeader bool   `json:"isLeader"`         // this replica holds the lock
	Identity string `json:"identity"`         // this replica
	Holder   string `json:"holder,omitempty"` // the replica holding the lock, when known
}

// StaleStatus says since when, and why, the daemon's view of the cluster is stale.
type StaleStatus struct {
	Since  time.Time `json:"since"`
	Phase  string    `json:"phase"` // fetch, checkout, plan or apply
	Reason string    `json:"reason"`
}

// RevisionStatus identifies a commit.
type RevisionStatus struct {
	SHA      string    `json:"sha,omitempty"`
	TreeHash string    `json:"treeHash,omitempty"`
	Author   string    `json:"author,omitempty"`
	Message  string    `json:"message,omitempty"`
	Time     time.Time `json:"time,omitzero"`
}

// AttemptStatus is one sync pass.
type AttemptStatus struct {
	Revision   *RevisionStatus `json:"revision,omitempty"`
	Trigger    string          `json:"trigger"`
	StartedAt  time.Time       `json:"startedAt"`
	FinishedAt time.Time       `json:"finishedAt,omitzero"`
	// Result is "succeeded", "invalid" (validation failed: not applied, waits for the
	// next commit), "failed" (some service failed), or "error" (Git or Nomad unreachable:
	// retried with backoff).
	Result AttemptResult `json:"result"`
	Error  string        `json:"error,omitempty"`
	// Diagnostics are the validation errors as file:line:col (invalid only).
	Diagnostics []string `json:"diagnostics,omitempty"`
	// RetryAt is when a failed attempt is retried (error only).
	RetryAt *time.Time `json:"retryAt,omitempty"`
	// ServicesRead is how many services this pass read from Nomad; the others were
	// planned from an earlier pass's reads that Nomad's event stream vouches for
	// (--full-read-interval). Absent before planning.
	ServicesRead *int `json:"servicesRead,omitempty"`
	// Pruned names every job this pass stopped because its service left the repository,
	// and every prune it held back (Held).
	Pruned []PruneStatus `json:"pruned,omitempty"`
}

// PruneStatus is one prune of a pass.
type PruneStatus struct {
	Service string `json:"service"`
	JobID   string `json:"jobID"`
	// Held: the plan deleted the job but apply kept it running (Reason says why).
	Held   bool   `json:"held,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// prunesOf lists the prunes in res (nil when there were none).
func prunesOf(res *SyncResult) []PruneStatus {
	if res == nil {
		return nil
	}
	var out []PruneStatus
	for _, r := range res.Services {
		if r.Deregistered || r.PruneHeld {
			out = append(out, PruneStatus{Service: r.Service, JobID: r.JobID, Held: r.PruneHeld, Reason: r.Reason})
		}
	}
	return out
}

// ServiceStatus is one service.
type ServiceStatus struct {
	Service        string                 `json:"service"`
	JobID          string                 `json:"jobID"`
	State          reconcile.ServiceState `json:"state"`
	Reason         string                 `json:"reason,omitempty"`
	TaskDefinition string                 `json:"taskDefinition,omitempty"`
	Drifted        bool                   `json:"drifted,omitempty"`
}

func revisionStatus(r source.Revision) *RevisionStatus {
	return &RevisionStatus{SHA: r.SHA, TreeHash: r.TreeHash, Author: r.Author, Message: r.Message, Time: r.Time}
}

// statusStore is the concurrency-safe holder of SyncStatus: the loop writes, HTTP reads.
type statusStore struct {
	mu sync.RWMutex
	s  SyncStatus
}

func (st *statusStore) update(fn func(*SyncStatus)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(&st.s)
}

// snapshot returns a deep enough copy for JSON encoding outside the lock.
func (st *statusStore) snapshot() SyncStatus {
	st.mu.RLock()
	defer st.mu.RUnlock()
	s := st.s
	s.Services = append([]ServiceStatus(nil), st.s.Services...)
	sort.Slice(s.Services, func(i, j int) bool { return s.Services[i].Service < s.Services[j].Service })
	if s.LastAttempt != nil {
		a := *s.LastAttempt
		s.LastAttempt = &a
	}
	return s
}
