package nomadbackend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"regexp"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// Records are ecsgit's memory, kept in Nomad Variables next to the jobs (docs/records.md):
// what was last applied to each service (revision, spec hash, the ECS JSON, commit,
// history, failure memory, pause) and each task-definition family's revision numbers.
// They exist because none of this may go into job meta: a meta change restarts every
// allocation (decision 2).

const (
	// RecordFormat is written into every record; a reader refuses a newer format instead
	// of misreading it.
	RecordFormat = 1
	// MaxHistory bounds a service record's history (newest kept).
	MaxHistory = 20
	// maxVariableBytes is Nomad's limit on a variable's unencrypted items (keys + values,
	// nomad/structs/variables.go maxVariableSize = 65536). Records stay under a budget
	// with headroom; history is trimmed first.
	maxVariableBytes = 64 * 1024
	recordBudget     = maxVariableBytes - 4*1024
	// casAttempts bounds read-modify-write retries on a check-and-set conflict.
	casAttempts = 20

	servicePrefix = "ecsgit/services/"
	familyPrefix  = "ecsgit/families/"
)

// ErrRecordConflict: a record changed between read and write (check-and-set refused).
var ErrRecordConflict = errors.New("record changed concurrently")

// RecordOutcome is how an apply of a service ended.
type RecordOutcome string

const (
	OutcomePending    RecordOutcome = "pending"     // registered, deployment not finished
	OutcomeSucceeded  RecordOutcome = "succeeded"   // deployment successful (or no deployment needed)
	OutcomeFailed     RecordOutcome = "failed"      // deployment failed, no rollback
	OutcomeRolledBack RecordOutcome = "rolled-back" // deployment failed, Nomad reverted the job
	OutcomeDeleted    RecordOutcome = "deleted"     // pruned
)

// Commit is the Git commit an apply came from, when known.
type Commit struct {
	SHA     string `json:"sha"`
	Author  string `json:"author,omitempty"`
	Message string `json:"message,omitempty"` // first line only
}

// HistoryEntry is one apply of a service, compact on purpose (the record is size-limited).
type HistoryEntry struct {
	Revision int           `json:"rev"`
	Commit   string        `json:"commit,omitempty"`
	Time     time.Time     `json:"t"`
	Who      string        `json:"who"` // user@host, or "ecsgit sync"
	Outcome  RecordOutcome `json:"outcome"`
	SpecHash string        `json:"spec,omitempty"`
	// JobVersion is the Nomad job version this apply produced: what `ecsgit rollback
	// --to-revision` redeploys (from Nomad's kept job versions).
	JobVersion uint64 `json:"v,omitempty"`
}

// Failure is the failure memory of decision 8: a spec hash that failed and was rolled
// back is not applied again until Git changes it.
type Failure struct {
	SpecHash string    `json:"spec_hash"`
	Reason   string    `json:"reason"`
	Time     time.Time `json:"t"`
}

// ServiceRecord is what ecsgit last applied to one service (variable
// ecsgit/services/<jobID> in the job's namespace).
type ServiceRecord struct {
	Namespace, JobID string
	Source           string
	Family           string
	Revision         int
	SpecHash         string
	// TaskDefinition and Service are the canonical ECS JSON last applied, so that the
	// next plan can diff in ECS terms.
	TaskDefinition json.RawMessage
	Service        json.RawMessage
	Commit         *Commit
	// JobVersion and JobModifyIndex are what the register produced; a live job with
	// another JobModifyIndex was changed by someone else (drift).
	JobVersion     uint64
	JobModifyIndex uint64
	Outcome        RecordOutcome
	AppliedAt      time.Time
	AppliedBy      string
	History        []HistoryEntry // oldest first, at most MaxHistory
	Failed         *Failure
	Paused         bool
	PausedReason   string
	// Claim is the spec hash an apply claimed the record for, before its register; the
	// pending write clears it. A live job registered after a claim that no pending
	// write followed is ecsgit's own interrupted write, not drift (fault trial D6).
	Claim string
	// Summary: the record as the digest summarises it (records_digest.go): no ECS
	// documents, commit or history. Good for planning an unchanged service only; it is
	// never written (WriteServiceRecord refuses it), a write starts from a full read.
	Summary bool

	// ModifyIndex is the variable's index when read (0: not stored yet); writes are
	// check-and-set against it.
	ModifyIndex uint64
}

// TaskDefinitionRef is "family:revision" ("" when unknown).
func (r *ServiceRecord) TaskDefinitionRef() string {
	if r == nil || r.Family == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", r.Family, r.Revision)
}

// AddHistory appends e, dropping the oldest entries beyond MaxHistory.
func (r *ServiceRecord) AddHistory(e HistoryEntry) {
	r.History = append(r.History, e)
	if n := len(r.History); n > MaxHistory {
		r.History = append([]HistoryEntry(nil), r.History[n-MaxHistory:]...)
	}
}

// FailedSpec reports whether specHash is remembered as failed.
func (r *ServiceRecord) FailedSpec(specHash string) bool {
	return r != nil && r.Failed != nil && r.Failed.SpecHash == specHash
}

// Clone is a copy of r that a change to the copy's history or failure memory leaves
// intact (the ECS documents and the commit are replaced, never changed in place).
func (r *ServiceRecord) Clone() *ServiceRecord {
	c := *r
	c.History = append([]HistoryEntry(nil), r.History...)
	if r.Failed != nil {
		f := *r.Failed
		c.Failed = &f
	}
	return &c
}

// ServiceRecordPath is the variable path of a service record.
func ServiceRecordPath(jobID string) string { return variablePath(servicePrefix, jobID) }

// FamilyRecordPath is the variable path of a family record.
func FamilyRecordPath(family string) string { return variablePath(familyPrefix, family) }

var validVariablePath = regexp.MustCompile(`^[a-zA-Z0-9\-_~/]{1,128}$`)
var invalidPathChars = regexp.MustCompile(`[^a-zA-Z0-9\-_~]`)

// variablePath keeps names readable when Nomad's path rules allow (letters, digits, - _ ~,
// at most 128 characters) and otherwise replaces what they forbid and appends a hash of
// the real name so that distinct names never share a record.
func variablePath(prefix, name string) string {
	if p := prefix + name; validVariablePath.MatchString(p) && name != "" {
		return p
	}
	sum := sha256.Sum256([]byte(name))
	safe := invalidPathChars.ReplaceAllString(name, "_")
	suffix := "~" + hex.EncodeToString(sum[:8])
	if room := 128 - len(prefix) - len(suffix); len(safe) > room {
		safe = safe[:room]
	}
	return prefix + safe + suffix
}

// ReadServiceRecord returns the record of jobID in ns, or nil when there is none.
func (c *Client) ReadServiceRecord(ctx context.Context, ns, jobID string) (*ServiceRecord, error) {
	v, _, err := c.api.Variables().Peek(ServiceRecordPath(jobID), queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("read record of %s/%s: %w", ns, jobID, err)
	}
	if v == nil {
		return nil, nil
	}
	r, err := decodeServiceRecord(v.Items)
	if err != nil {
		return nil, fmt.Errorf("read record of %s/%s (%s): %w", ns, jobID, v.Path, err)
	}
	r.Namespace, r.JobID, r.ModifyIndex = ns, jobID, v.ModifyIndex
	return r, nil
}

// WriteServiceRecord stores r with check-and-set against r.ModifyIndex (0: create only)
// and updates r.ModifyIndex. A concurrent change returns an error matching
// ErrRecordConflict.
func (c *Client) WriteServiceRecord(ctx context.Context, r *ServiceRecord) error {
	if r.Summary {
		return fmt.Errorf("write record of %s/%s: refusing to write a digest summary over the full record (read it first)", r.Namespace, r.JobID)
	}
	items, err := encodeServiceRecord(r)
	if err != nil {
		return fmt.Errorf("write record of %s/%s: %w", r.Namespace, r.JobID, err)
	}
	v := &api.Variable{Namespace: r.Namespace, Path: ServiceRecordPath(r.JobID), Items: items, ModifyIndex: r.ModifyIndex}
	idx, err := c.writeChecked(ctx, v)
	if err != nil {
		return fmt.Errorf("write record of %s/%s: %w", r.Namespace, r.JobID, err)
	}
	r.ModifyIndex = idx
	return nil
}

// UpdateServiceRecord applies fn to the current record (a fresh one when none exists) and
// stores it, re-reading and re-applying fn on a check-and-set conflict. fn must be
// repeatable.
func (c *Client) UpdateServiceRecord(ctx context.Context, ns, jobID string, fn func(*ServiceRecord) error) (*ServiceRecord, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.ReadServiceRecord(ctx, ns, jobID)
		if err != nil {
			return nil, err
		}
		if r == nil {
			r = &ServiceRecord{Namespace: ns, JobID: jobID}
		}
		if err := fn(r); err != nil {
			return nil, err
		}
		err = c.WriteServiceRecord(ctx, r)
		if err == nil || !errors.Is(err, ErrRecordConflict) || attempt+1 >= casAttempts {
			return r, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// DeleteServiceRecord removes the record of jobID (after a prune).
func (c *Client) DeleteServiceRecord(ctx context.Context, ns, jobID string) error {
	if _, err := c.api.Variables().Delete(ServiceRecordPath(jobID), writeOpts(ctx, ns)); err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete record of %s/%s: %w", ns, jobID, err)
	}
	return nil
}

// writeChecked is a check-and-set write (index 0 = must not exist) returning the new
// index; a conflict wraps ErrRecordConflict.
func (c *Client) writeChecked(ctx context.Context, v *api.Variable) (uint64, error) {
	if size := itemsSize(v.Items); size > maxVariableBytes {
		return 0, fmt.Errorf("%s would be %d bytes, over Nomad's %d-byte variable limit", v.Path, size, maxVariableBytes)
	}
	out, _, err := c.api.Variables().CheckedUpdate(v, writeOpts(ctx, v.Namespace))
	var cas api.ErrCASConflict
	if errors.As(err, &cas) {
		return 0, fmt.Errorf("%s: %w (%v)", v.Path, ErrRecordConflict, cas)
	}
	if err != nil {
		return 0, err
	}
	return out.ModifyIndex, nil
}

func itemsSize(items api.VariableItems) int {
	n := 0
	for k, v := range items {
		n += len(k) + len(v)
	}
	return n
}

// backoff waits a little (jittered, growing) before a check-and-set retry.
func backoff(ctx context.Context, attempt int) error {
	return wait.Sleep(ctx, time.Duration(5+rand.IntN(20*(attempt+1)))*time.Millisecond)
}

// Actor names who applies: "user@host" for a person, or what the caller passes for the
// daemon ("ecsgit sync").
func Actor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	if host == "" {
		return name
	}
	return name + "@" + host
}

// CanonicalJSON is the canonical encoding of an ECS value stored in records: encoding/json
// of the spec types (fixed field order, sorted maps), so equal content gives equal bytes.
func CanonicalJSON(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical JSON: %w", err)
	}
	return b, nil
}

// TaskDefinitionHash identifies a task definition's content: what decides whether a
// family gets a new revision (decision 3). 16 hex digits keep family records compact.
func TaskDefinitionHash(td *spec.TaskDefinition) (string, error) {
	b, err := CanonicalJSON(td)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
