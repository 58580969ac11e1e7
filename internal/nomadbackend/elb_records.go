package nomadbackend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Load-balancer records remember the ELB objects (load balancers, listeners, rules,
// target groups) an apply carried out, one Nomad variable each under ecsgit/elb/KIND/,
// in the namespace of the services they route to (docs/records.md). They are what the
// next plan diffs the repository's ELB definitions against, in ELB terms: the proxy's
// configuration itself lives in the services' Nomad service tags, where a rule is no
// longer recognisable as a rule.
//
// They are kept apart from the service records on purpose: a service record follows a
// job's register and rollout; an ELB record has no job, and is written once the
// services it routes to are applied.

const elbPrefix = "ecsgit/elb/"

// Item keys of an ELB record (flat strings, readable with `nomad var get`).
const (
	elbItemKind      = "kind"
	elbItemName      = "name"
	elbItemFile      = "file"
	elbItemFields    = "fields"
	elbItemHash      = "fields_hash"
	elbItemRoutesTo  = "routes_to"
	elbItemCommit    = "commit"
	elbItemAppliedAt = "applied_at"
	elbItemAppliedBy = "applied_by"
)

// LBRecord is what ecsgit applied of one ELB object.
type LBRecord struct {
	Namespace string
	// Kind is "load-balancer", "listener", "rule" or "target-group"; Name identifies
	// the object within its kind (a listener "LB:PORT", a rule its Name tag or file).
	Kind, Name string
	// Source is the ecsgit source (repository identity) that applied it: prune deletes
	// only its own.
	Source string
	// File is the repository file the object was defined in.
	File string
	// Fields are the object's settings in ELB terms, path → value, defaults applied
	// (the plan's "after").
	Fields map[string]string
	// FieldsHash is the hash stored with Fields; a record whose Fields no longer match
	// it was edited outside ecsgit (drift).
	FieldsHash string
	// RoutesTo are the services the object sent traffic to when applied.
	RoutesTo []string
	// Commit is the Git commit SHA applied, when known.
	Commit    string
	AppliedAt time.Time
	AppliedBy string
	// ModifyIndex is the variable's index (0: not stored yet); writes are
	// check-and-set on it.
	ModifyIndex uint64
}

// Intact reports whether the record's fields are those ecsgit wrote.
func (r *LBRecord) Intact() bool { return r.FieldsHash == LBFieldsHash(r.Fields) }

// LBFieldsHash identifies a set of ELB fields (sha256 of their sorted JSON, 16 hex digits).
func LBFieldsHash(fields map[string]string) string {
	b, _ := json.Marshal(fields) // a map[string]string always encodes; keys are sorted
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// LBRecordPath is the variable path of an ELB record.
func LBRecordPath(kind, name string) string { return variablePath(elbPrefix+kind+"/", name) }

// ListLBRecords reads every ELB record of ns, whatever source wrote it, sorted by kind
// and name. Nomad lists variables without their items, so each is read after the list.
func (c *Client) ListLBRecords(ctx context.Context, ns string) ([]*LBRecord, error) {
	metas, _, err := c.api.Variables().PrefixList(elbPrefix, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("list load-balancer records of %s: %w", ns, err)
	}
	var paths []string
	for _, m := range metas {
		if m.Namespace == "" || m.Namespace == ns {
			paths = append(paths, m.Path)
		}
	}
	return c.readLBRecords(ctx, ns, paths)
}

// ReadLBRecords reads the ELB records that l, a plan's listing of the namespace's
// ecsgit variables, shows: ListLBRecords without a second list call per plan.
func (c *Client) ReadLBRecords(ctx context.Context, l *RecordListing) ([]*LBRecord, error) {
	var paths []string
	for p := range l.paths {
		if strings.HasPrefix(p, elbPrefix) {
			paths = append(paths, p)
		}
	}
	return c.readLBRecords(ctx, l.Namespace, paths)
}

func (c *Client) readLBRecords(ctx context.Context, ns string, paths []string) ([]*LBRecord, error) {
	var out []*LBRecord
	for _, path := range paths {
		v, _, err := c.api.Variables().Peek(path, queryOpts(ctx, ns))
		if err != nil {
			return nil, fmt.Errorf("read load-balancer record %s/%s: %w", ns, path, err)
		}
		if v == nil {
			continue // deleted between the list and the read
		}
		r, err := decodeLBRecord(v.Items)
		if err != nil {
			return nil, fmt.Errorf("read load-balancer record %s/%s: %w", ns, path, err)
		}
		r.Namespace, r.ModifyIndex = ns, v.ModifyIndex
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *LBRecord) int {
		return strings.Compare(a.Kind+"\x00"+a.Name, b.Kind+"\x00"+b.Name)
	})
	return out, nil
}

// WriteLBRecord stores r with check-and-set on r.ModifyIndex (0: create only), sets
// r.FieldsHash from r.Fields and r.ModifyIndex to the new index. A concurrent change
// returns an error matching ErrRecordConflict.
func (c *Client) WriteLBRecord(ctx context.Context, r *LBRecord) error {
	r.FieldsHash = LBFieldsHash(r.Fields)
	items, err := encodeLBRecord(r)
	if err != nil {
		return fmt.Errorf("write load-balancer record %s %s: %w", r.Kind, r.Name, err)
	}
	v := &api.Variable{Namespace: r.Namespace, Path: LBRecordPath(r.Kind, r.Name), Items: items, ModifyIndex: r.ModifyIndex}
	idx, err := c.writeChecked(ctx, v)
	if err != nil {
		return fmt.Errorf("write load-balancer record %s %s: %w", r.Kind, r.Name, err)
	}
	r.ModifyIndex = idx
	return nil
}

// DeleteLBRecord removes r, check-and-set on r.ModifyIndex: a record written since it
// was read (by another apply) is kept and the error matches ErrRecordConflict. A record
// already gone is not an error (a re-run of an interrupted prune).
func (c *Client) DeleteLBRecord(ctx context.Context, r *LBRecord) error {
	path := LBRecordPath(r.Kind, r.Name)
	_, err := c.api.Variables().CheckedDelete(path, r.ModifyIndex, writeOpts(ctx, r.Namespace))
	var cas api.ErrCASConflict
	switch {
	case errors.As(err, &cas):
		if cas.Conflict == nil || cas.Conflict.ModifyIndex == 0 {
			return nil // nothing left to delete
		}
		return fmt.Errorf("delete load-balancer record %s %s: %w (%v)", r.Kind, r.Name, ErrRecordConflict, cas)
	case err != nil && !IsNotFound(err):
		return fmt.Errorf("delete load-balancer record %s %s: %w", r.Kind, r.Name, err)
	}
	return nil
}

func encodeLBRecord(r *LBRecord) (api.VariableItems, error) {
	fields, err := json.Marshal(r.Fields)
	if err != nil {
		return nil, err
	}
	routes, err := json.Marshal(r.RoutesTo)
	if err != nil {
		return nil, err
	}
	it := api.VariableItems{
		itemFormat: strconv.Itoa(RecordFormat), elbItemKind: r.Kind, elbItemName: r.Name,
		itemSource: r.Source, elbItemFields: string(fields), elbItemHash: r.FieldsHash,
		elbItemRoutesTo: string(routes), elbItemAppliedBy: r.AppliedBy,
	}
	setIf(it, elbItemFile, r.File)
	setIf(it, elbItemCommit, r.Commit)
	if !r.AppliedAt.IsZero() {
		it[elbItemAppliedAt] = r.AppliedAt.UTC().Format(time.RFC3339)
	}
	if size := itemsSize(it); size > recordBudget {
		return nil, fmt.Errorf("record would be %d bytes, over the %d-byte budget", size, recordBudget)
	}
	return it, nil
}

func decodeLBRecord(it api.VariableItems) (*LBRecord, error) {
	if f, _ := strconv.Atoi(it[itemFormat]); f > RecordFormat {
		return nil, fmt.Errorf("record format %d is newer than this ecsgit understands (%d): upgrade ecsgit", f, RecordFormat)
	}
	r := &LBRecord{Kind: it[elbItemKind], Name: it[elbItemName], Source: it[itemSource], File: it[elbItemFile],
		FieldsHash: it[elbItemHash], Commit: it[elbItemCommit], AppliedBy: it[elbItemAppliedBy]}
	if r.Kind == "" || r.Name == "" {
		return nil, errors.New("record has no kind or name")
	}
	if s := it[elbItemFields]; s != "" {
		if err := json.Unmarshal([]byte(s), &r.Fields); err != nil {
			return nil, fmt.Errorf("item %s: %w", elbItemFields, err)
		}
	}
	if s := it[elbItemRoutesTo]; s != "" && s != "null" {
		if err := json.Unmarshal([]byte(s), &r.RoutesTo); err != nil {
			return nil, fmt.Errorf("item %s: %w", elbItemRoutesTo, err)
		}
	}
	if s := it[elbItemAppliedAt]; s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("item %s: %w", elbItemAppliedAt, err)
		}
		r.AppliedAt = t
	}
	return r, nil
}
