package nomadbackend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// ErrConflict: the job changed in Nomad since the plan saw it (EnforceIndex refused the
// register). The caller re-plans; it never retries blindly.
var ErrConflict = errors.New("job changed since it was planned")

// ConflictError carries the server's explanation of an EnforceIndex refusal. It matches
// ErrConflict with errors.Is.
type ConflictError struct {
	Namespace, JobID string
	PlannedIndex     uint64
	// LiveIndex is the job's index Nomad reported (0: not reported, e.g. "job already
	// exists" for a create).
	LiveIndex uint64
	Detail    string // e.g. "job exists with conflicting job modify index: 22"
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("register %s/%s at job modify index %d: %s: %s", e.Namespace, e.JobID, e.PlannedIndex, ErrConflict, e.Detail)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Register submits job with optimistic concurrency: Nomad accepts it only if the job's
// JobModifyIndex is still modifyIndex (0 = the job must not exist), exactly
// `nomad job run -check-index`. The job's Namespace decides where it goes (it is also sent
// as ?namespace=, which Nomad lets win over the job field, so both always agree).
//
// A refusal comes back as a 500 whose message carries api.RegisterEnforceIndexErrPrefix,
// not as a 409; it is returned as a *ConflictError.
func (c *Client) Register(ctx context.Context, job *Job, modifyIndex uint64) (evalID string, jobModifyIndex uint64, err error) {
	ns, id := job.Namespace(), job.ID()
	resp, _, err := c.api.Jobs().RegisterOpts(job.job,
		&api.RegisterOptions{EnforceIndex: true, ModifyIndex: modifyIndex},
		writeOpts(ctx, ns))
	if err != nil {
		if msg := err.Error(); strings.Contains(msg, api.RegisterEnforceIndexErrPrefix) {
			detail := enforceDetail(msg)
			return "", 0, &ConflictError{Namespace: ns, JobID: id, PlannedIndex: modifyIndex, LiveIndex: liveIndexIn(detail), Detail: detail}
		}
		return "", 0, fmt.Errorf("register %s/%s: %w", ns, id, err)
	}
	return resp.EvalID, resp.JobModifyIndex, nil
}

// enforceDetail keeps the part of Nomad's message after "Enforcing job modify index N: ".
func enforceDetail(msg string) string {
	i := strings.Index(msg, api.RegisterEnforceIndexErrPrefix)
	rest := strings.TrimSuffix(msg[i:], ")")
	if j := strings.Index(rest, ": "); j >= 0 {
		return rest[j+2:]
	}
	return rest
}

// conflictIndexRE finds the live index in Nomad's EnforceIndex refusal. Nomad sends it as
// text only; it is read here, once, at the boundary.
var conflictIndexRE = regexp.MustCompile(`conflicting job modify index: (\d+)`)

func liveIndexIn(detail string) uint64 {
	m := conflictIndexRE.FindStringSubmatch(detail)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// Deregister stops a job (purge=false keeps it, status dead, until Nomad's GC, so `nomad
// job history` still explains what happened). Returns the evaluation ID.
func (c *Client) Deregister(ctx context.Context, ns, jobID string, purge bool) (string, error) {
	evalID, _, err := c.api.Jobs().DeregisterOpts(jobID, &api.DeregisterOptions{Purge: purge}, writeOpts(ctx, ns))
	if err != nil {
		return "", fmt.Errorf("deregister %s/%s: %w", ns, jobID, err)
	}
	return evalID, nil
}

func jobNamespace(job *api.Job) string {
	if job.Namespace == nil || *job.Namespace == "" {
		return "default"
	}
	return *job.Namespace
}

func jobID(job *api.Job) string {
	if job.ID == nil {
		return ""
	}
	return *job.ID
}
