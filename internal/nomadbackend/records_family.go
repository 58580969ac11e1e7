package nomadbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/hashicorp/nomad/api"
)

// maxFamilyRevisions bounds how many content → revision mappings a family record keeps
// (about 30 bytes each). When content older than that comes back it gets a new revision,
// as any re-registration does in ECS.
const maxFamilyRevisions = 1000

// FamilyRecord maps a task-definition family's contents to revision numbers (variable
// ecsgit/families/<family>): a content change gives revision Latest+1, the same content
// keeps its revision (decision 3).
type FamilyRecord struct {
	Namespace, Family string
	Latest            int
	// Revisions maps TaskDefinitionHash → revision.
	Revisions   map[string]int
	ModifyIndex uint64 // 0: not stored yet
}

// RevisionFor returns the revision of contentHash, or the one it would get next.
func (f *FamilyRecord) RevisionFor(contentHash string) (rev int, known bool) {
	if r, ok := f.Revisions[contentHash]; ok {
		return r, true
	}
	return f.Latest + 1, false
}

// ReadFamilyRecord returns the family's record; an empty one (Latest 0) when none exists.
func (c *Client) ReadFamilyRecord(ctx context.Context, ns, family string) (*FamilyRecord, error) {
	f := EmptyFamilyRecord(ns, family)
	v, _, err := c.api.Variables().Peek(FamilyRecordPath(family), queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("read family record %s/%s: %w", ns, family, err)
	}
	if v == nil {
		return f, nil
	}
	f.ModifyIndex = v.ModifyIndex
	if f.Latest, err = atoiItem(v.Items, "latest"); err != nil {
		return nil, fmt.Errorf("read family record %s/%s: %w", ns, family, err)
	}
	if s := v.Items["revisions"]; s != "" {
		if err := json.Unmarshal([]byte(s), &f.Revisions); err != nil {
			return nil, fmt.Errorf("read family record %s/%s: item revisions: %w", ns, family, err)
		}
	}
	return f, nil
}

// AssignRevision returns the revision of contentHash in family, creating it (Latest+1)
// when the content is new. Concurrent callers never get the same number for different
// contents: the write is check-and-set on the record's ModifyIndex, and a loser re-reads
// and tries again.
func (c *Client) AssignRevision(ctx context.Context, ns, family, contentHash string) (int, error) {
	for attempt := 0; ; attempt++ {
		f, err := c.ReadFamilyRecord(ctx, ns, family)
		if err != nil {
			return 0, err
		}
		rev, known := f.RevisionFor(contentHash)
		if known {
			return rev, nil
		}
		f.Revisions[contentHash] = rev
		f.Latest = rev
		err = c.writeFamilyRecord(ctx, f)
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, ErrRecordConflict) || attempt+1 >= casAttempts {
			return 0, fmt.Errorf("assign revision of %s: %w", family, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return 0, err
		}
	}
}

// AssignRevisionFrom is AssignRevision starting from known, the family record as a
// plan read it (or found absent in the record listing: ModifyIndex 0), instead of
// reading it again: the first write is check-and-set at known's index, which is the
// comparison a fresh read would make. Only when that write is refused (the family moved
// since the plan) does it fall back to AssignRevision's read-and-retry. known is not
// changed.
func (c *Client) AssignRevisionFrom(ctx context.Context, known *FamilyRecord, contentHash string) (int, error) {
	rev, seen := known.RevisionFor(contentHash)
	if seen {
		return rev, nil
	}
	f := &FamilyRecord{Namespace: known.Namespace, Family: known.Family, Latest: rev,
		Revisions: maps.Clone(known.Revisions), ModifyIndex: known.ModifyIndex}
	if f.Revisions == nil {
		f.Revisions = map[string]int{}
	}
	f.Revisions[contentHash] = rev
	err := c.writeFamilyRecord(ctx, f)
	if err == nil {
		return rev, nil
	}
	if !errors.Is(err, ErrRecordConflict) {
		return 0, fmt.Errorf("assign revision of %s: %w", known.Family, err)
	}
	return c.AssignRevision(ctx, known.Namespace, known.Family, contentHash)
}

// EmptyFamilyRecord is the record of a family that has none yet (what ReadFamilyRecord
// returns for it), for a planner that knows from the record listing that none exists.
func EmptyFamilyRecord(ns, family string) *FamilyRecord {
	return &FamilyRecord{Namespace: ns, Family: family, Revisions: map[string]int{}}
}

func (c *Client) writeFamilyRecord(ctx context.Context, f *FamilyRecord) error {
	trimRevisions(f.Revisions, maxFamilyRevisions)
	b, err := json.Marshal(f.Revisions)
	if err != nil {
		return err
	}
	v := &api.Variable{Namespace: f.Namespace, Path: FamilyRecordPath(f.Family), ModifyIndex: f.ModifyIndex,
		Items: api.VariableItems{itemFormat: strconv.Itoa(RecordFormat), "family": f.Family,
			"latest": strconv.Itoa(f.Latest), "revisions": string(b)}}
	idx, err := c.writeChecked(ctx, v)
	if err != nil {
		return err
	}
	f.ModifyIndex = idx
	return nil
}

// trimRevisions drops the lowest revisions beyond limit.
func trimRevisions(m map[string]int, limit int) {
	for len(m) > limit {
		lowHash, low := "", int(^uint(0)>>1)
		for h, r := range m {
			if r < low {
				lowHash, low = h, r
			}
		}
		delete(m, lowHash)
	}
}
