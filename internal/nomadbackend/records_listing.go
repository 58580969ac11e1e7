package nomadbackend

import (
	"context"
	"fmt"
	"strings"
)

// recordsPrefix is the root of every variable ecsgit keeps in a namespace.
const recordsPrefix = "ecsgit/"

// RecordListing is the paths and ModifyIndexes of a namespace's ecsgit variables at one
// Raft index, from a single list call (issue 19). Nomad lists variables' metadata only,
// not their items, but that is enough to know without a read that a record does not
// exist, and to tell whether a digest entry (records_digest.go) still describes the
// record it summarises: a variable's ModifyIndex is the Raft index of its last write,
// so an unchanged index is unchanged content.
type RecordListing struct {
	Namespace string
	// Index is the Raft index the listing was answered at: a record absent from it was
	// deleted, or never written, before Index.
	Index uint64
	paths map[string]uint64
}

// ListRecords lists the namespace's ecsgit variables (service and family records, the
// digest), following Nomad's pagination.
func (c *Client) ListRecords(ctx context.Context, ns string) (*RecordListing, error) {
	l := &RecordListing{Namespace: ns, paths: map[string]uint64{}}
	q := queryOpts(ctx, ns)
	for {
		vars, meta, err := c.api.Variables().PrefixList(recordsPrefix, q)
		if err != nil {
			return nil, fmt.Errorf("list records of %s: %w", ns, err)
		}
		for _, v := range vars {
			if v.Namespace == "" || v.Namespace == ns {
				l.paths[v.Path] = v.ModifyIndex
			}
		}
		if meta != nil && (l.Index == 0 || meta.LastIndex < l.Index) {
			l.Index = meta.LastIndex // pages answered later can only be newer; keep the first
		}
		if meta == nil || meta.NextToken == "" {
			return l, nil
		}
		q.NextToken = meta.NextToken
	}
}

// ServiceRecordIndex is the ModifyIndex of jobID's service record (ok false: none).
func (l *RecordListing) ServiceRecordIndex(jobID string) (index uint64, ok bool) {
	index, ok = l.paths[ServiceRecordPath(jobID)]
	return index, ok
}

// FamilyRecordIndex is the ModifyIndex of family's record (ok false: none).
func (l *RecordListing) FamilyRecordIndex(family string) (index uint64, ok bool) {
	index, ok = l.paths[FamilyRecordPath(family)]
	return index, ok
}

// Len is the number of service records listed.
func (l *RecordListing) Len() int {
	n := 0
	for p := range l.paths {
		if strings.HasPrefix(p, servicePrefix) {
			n++
		}
	}
	return n
}

// digestPaths are the digest variables listed, with their ModifyIndexes.
func (l *RecordListing) digestPaths() map[string]uint64 {
	out := map[string]uint64{}
	for p, idx := range l.paths {
		if strings.HasPrefix(p, digestPrefix) {
			out[p] = idx
		}
	}
	return out
}
