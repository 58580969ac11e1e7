package reconcile

import (
	"context"
	"sync"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// familyCache reads each family record once per plan: services sharing a family (and
// big repositories) must not cost one Nomad read per service.
type familyCache struct {
	b  Cluster
	ns string
	mu sync.Mutex
	m  map[string]*familyEntry
	// listing, when set, is the record listing of the plan: a family it does not show
	// has no record, and is not read.
	listing *nomadbackend.RecordListing
}

type familyEntry struct {
	once sync.Once
	rec  *nomadbackend.FamilyRecord
	err  error
}

func newFamilyCache(b Cluster, ns string) *familyCache {
	return &familyCache{b: b, ns: ns, m: map[string]*familyEntry{}}
}

// revisionFor is the revision the content would get if applied now, without writing:
// its existing revision, or the family's latest + 1. Two services of one family with new
// contents would both show latest + 1 here; apply assigns them distinct numbers.
func (fc *familyCache) revisionFor(ctx context.Context, family, contentHash string) (int, bool, error) {
	rec, err := fc.lookup(ctx, family)
	if err != nil {
		return 0, false, err
	}
	rev, known := rec.RevisionFor(contentHash)
	return rev, known, nil
}

// lookup is the family record, read once per plan (or known absent from the listing).
// It is shared by every service of the family: read-only.
func (fc *familyCache) lookup(ctx context.Context, family string) (*nomadbackend.FamilyRecord, error) {
	fc.mu.Lock()
	e := fc.m[family]
	if e == nil {
		e = &familyEntry{}
		fc.m[family] = e
	}
	fc.mu.Unlock()
	e.once.Do(func() {
		if fc.listing != nil {
			if _, ok := fc.listing.FamilyRecordIndex(family); !ok {
				e.rec = nomadbackend.EmptyFamilyRecord(fc.ns, family)
				return
			}
		}
		e.rec, e.err = fc.b.ReadFamilyRecord(ctx, fc.ns, family)
	})
	return e.rec, e.err
}
