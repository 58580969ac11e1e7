package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// The record digest (nomadbackend/records_digest.go) is brought up to date once, at the
// end of an apply of an in-process plan: a handful of writes per apply, not one per
// service. It is a cache the next plan checks against the record listing, so an apply
// killed before this write loses nothing: its records have new indexes, and the next
// plan reads them in full.

// revisionAssignerFrom is AssignRevision on the family record the plan read, an
// optional part of Cluster that the Nomad backend has: no second read of the family.
type revisionAssignerFrom interface {
	AssignRevisionFrom(ctx context.Context, known *nomadbackend.FamilyRecord, contentHash string) (int, error)
}

var _ revisionAssignerFrom = (*nomadbackend.Client)(nil)

// writeRecord is Cluster.WriteServiceRecord, noting what was written for the digest.
func (a *applier) writeRecord(ctx context.Context, r *nomadbackend.ServiceRecord) error {
	err := a.b.WriteServiceRecord(ctx, r)
	a.noteWrite(r.JobID, r, err)
	return err
}

// updateRecord is Cluster.UpdateServiceRecord, noting what was written for the digest.
func (a *applier) updateRecord(ctx context.Context, jobID string, fn func(*nomadbackend.ServiceRecord) error) (*nomadbackend.ServiceRecord, error) {
	r, err := a.b.UpdateServiceRecord(ctx, a.ns, jobID, fn)
	a.noteWrite(jobID, r, err)
	return r, err
}

// noteWrite keeps the digest view of the last record this apply wrote for a job. A
// write that failed otherwise than by a check-and-set refusal may have landed: the view
// then drops the job's entry, whatever its index (the next plan reads the record).
func (a *applier) noteWrite(jobID string, r *nomadbackend.ServiceRecord, err error) {
	var v nomadbackend.DigestView
	switch {
	case err == nil && r != nil:
		v = nomadbackend.DigestView{RecordIndex: r.ModifyIndex, Entry: nomadbackend.DigestEntryOf(r)}
	case errors.Is(err, nomadbackend.ErrRecordConflict):
		return // nothing was written
	default:
		v = nomadbackend.DigestView{RecordIndex: math.MaxUint64}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.written == nil {
		a.written = map[string]nomadbackend.DigestView{}
	}
	if cur, ok := a.written[jobID]; !ok || v.RecordIndex >= cur.RecordIndex {
		a.written[jobID] = v
	}
}

// updateDigest writes the digest of an in-process plan's namespace with what this apply
// read and wrote of each record; "" when it wrote or had nothing to write, else why
// not (a warning: the records themselves are written, only the next plan's shortcut is
// lost).
func (a *applier) updateDigest(ctx context.Context, units map[string]*Unit) string {
	rl, ok := a.b.(recordLister)
	if !ok {
		return ""
	}
	var d *nomadbackend.Digest
	views := map[string]nomadbackend.DigestView{}
	for _, u := range units {
		if u == nil || u.digest == nil {
			continue
		}
		d = u.digest
		if r := u.PlannedRecord; r != nil && r.ModifyIndex != 0 {
			views[r.JobID] = nomadbackend.DigestView{RecordIndex: r.ModifyIndex, Entry: nomadbackend.DigestEntryOf(r)}
		}
	}
	if d == nil {
		return ""
	}
	a.mu.Lock()
	for job, v := range a.written {
		if cur, ok := views[job]; !ok || v.RecordIndex >= cur.RecordIndex {
			views[job] = v
		}
	}
	a.mu.Unlock()
	if _, err := rl.WriteDigest(ctx, d, views); err != nil {
		return fmt.Sprintf("the record digest was not updated (%v): the records are written; the next plan reads them one by one", err)
	}
	return ""
}
