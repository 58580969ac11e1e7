package nomadbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/parallel"
)

// The digest (issue 19) is a cache of what a plan needs to know of a settled service
// record, sharded over a few variables per namespace (ecsgit/digest/<K>/<k>), so that a
// plan of N unchanged services reads K variables instead of N records. It is never the
// truth: each entry names the ModifyIndex of the record it summarises, and a plan uses
// it only when the record listing (ListRecords, taken in the same plan) shows the record
// at that very index. A record written since by anything (an older ecsgit, the daemon,
// rollback, pause, a plan-file apply, a crash before the digest write) has another index
// and is read in full, as before the digest existed. A lost or stale digest costs reads,
// never correctness.
const (
	digestPrefix = "ecsgit/digest/"
	// digestPerShard is how many services a shard aims at (about 200 bytes each): the
	// shard count is the power of two that keeps shards near it, so an apply of N
	// services writes about N/128 digest variables at most.
	digestPerShard  = 128
	maxDigestShards = 1024
)

// DigestEntry summarises a settled service record (DigestEntryOf): what a plan reads
// of a record whose service is unchanged since its last successful apply.
type DigestEntry struct {
	// RecordIndex is the ModifyIndex of the record this entry was made from.
	RecordIndex    uint64 `json:"i"`
	Source         string `json:"src,omitempty"`
	Family         string `json:"f"`
	Revision       int    `json:"r"`
	SpecHash       string `json:"h"`
	JobVersion     uint64 `json:"v,omitempty"`
	JobModifyIndex uint64 `json:"m"`
}

// DigestEntryOf is the entry of r as stored at r.ModifyIndex, or nil when a plan could
// not take r from a summary: anything but a settled success with no claim, no pause
// and no failure memory needs the whole record.
func DigestEntryOf(r *ServiceRecord) *DigestEntry {
	if r == nil || r.ModifyIndex == 0 || r.Outcome != OutcomeSucceeded || r.Claim != "" || r.Paused ||
		r.Failed != nil || r.JobModifyIndex == 0 || r.Revision == 0 {
		return nil
	}
	return &DigestEntry{RecordIndex: r.ModifyIndex, Source: r.Source, Family: r.Family, Revision: r.Revision,
		SpecHash: r.SpecHash, JobVersion: r.JobVersion, JobModifyIndex: r.JobModifyIndex}
}

// record is the summary record of e (ServiceRecord.Summary).
func (e DigestEntry) record(ns, jobID string) *ServiceRecord {
	return &ServiceRecord{Namespace: ns, JobID: jobID, Source: e.Source, Family: e.Family, Revision: e.Revision,
		SpecHash: e.SpecHash, JobVersion: e.JobVersion, JobModifyIndex: e.JobModifyIndex,
		Outcome: OutcomeSucceeded, ModifyIndex: e.RecordIndex, Summary: true}
}

// Digest is a namespace's digest as one plan read it, with the record listing it is
// checked against.
type Digest struct {
	Namespace string
	listing   *RecordListing
	shards    map[string]*digestShard // by path, as read
	entries   map[string]DigestEntry  // by job ID, the newest entry of any shard
}

type digestShard struct {
	modifyIndex uint64
	entries     map[string]DigestEntry
}

// ReadDigest reads the digest variables the listing shows (a handful per namespace).
func (c *Client) ReadDigest(ctx context.Context, l *RecordListing) (*Digest, error) {
	d := &Digest{Namespace: l.Namespace, listing: l, shards: map[string]*digestShard{}, entries: map[string]DigestEntry{}}
	paths := slices.Sorted(maps.Keys(l.digestPaths()))
	var mu sync.Mutex
	err := parallel.ForEach(ctx, len(paths), c.concurrency, func(ctx context.Context, i int) error {
		s, err := c.readDigestShard(ctx, l.Namespace, paths[i])
		if err != nil || s == nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		d.shards[paths[i]] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, s := range d.shards {
		mergeNewer(d.entries, s.entries)
	}
	return d, nil
}

// Summary is jobID's record as the digest summarises it (ServiceRecord.Summary), when
// the entry was made from the very record the listing shows; nil otherwise (read it).
func (d *Digest) Summary(jobID string) *ServiceRecord {
	if d == nil {
		return nil
	}
	e, ok := d.entries[jobID]
	if !ok {
		return nil
	}
	if idx, listed := d.listing.ServiceRecordIndex(jobID); !listed || idx != e.RecordIndex {
		return nil
	}
	return e.record(d.Namespace, jobID)
}

// DigestView is what an apply knows of one service record at its end: the record at
// RecordIndex, summarised by Entry (nil: the record is not settled, no entry).
type DigestView struct {
	RecordIndex uint64
	Entry       *DigestEntry
}

// WriteDigest brings the digest read in d up to date with what an apply knows (views,
// by job ID) and returns how many variables it wrote. Only shards whose content changes
// are written, so the apply after a no-op plan of a current digest writes nothing. Every
// write is check-and-set on the shard as read; a lost race re-reads the shard and
// merges again (per job, the entry of the newer record wins), so concurrent applies
// never drop each other's entries for long, and a wrong entry is impossible to use
// (Summary checks the record's index).
func (c *Client) WriteDigest(ctx context.Context, d *Digest, views map[string]DigestView) (int, error) {
	want := desiredDigest(d, views)
	k := digestShardCount(len(want))
	shards := map[string]map[string]DigestEntry{}
	for job, e := range want {
		p := digestShardPath(k, job)
		if shards[p] == nil {
			shards[p] = map[string]DigestEntry{}
		}
		shards[p][job] = e
	}
	writes := 0
	for _, p := range slices.Sorted(maps.Keys(shards)) {
		n, err := c.writeDigestShard(ctx, d.Namespace, p, d.shards[p], shards[p], views)
		writes += n
		if err != nil {
			return writes, err
		}
	}
	// Shards of another shard count (the namespace grew or shrank past a power of two),
	// or that no longer hold any entry: their entries are in the shards just written.
	for p, s := range d.shards {
		if _, kept := shards[p]; kept {
			continue
		}
		if _, err := c.api.Variables().CheckedDelete(p, s.modifyIndex, writeOpts(ctx, d.Namespace)); err != nil {
			var cas api.ErrCASConflict
			if errors.As(err, &cas) || IsNotFound(err) {
				continue // rewritten or deleted meanwhile: left to the next apply
			}
			return writes, fmt.Errorf("delete digest %s/%s: %w", d.Namespace, p, err)
		}
		writes++
	}
	return writes, nil
}

// desiredDigest is the digest d should hold after an apply that knows views: entries of
// records that moved on or were deleted since the listing are dropped, the views' entries
// replace older ones.
func desiredDigest(d *Digest, views map[string]DigestView) map[string]DigestEntry {
	want := map[string]DigestEntry{}
	for job, e := range d.entries {
		idx, listed := d.listing.ServiceRecordIndex(job)
		switch {
		case listed && e.RecordIndex < idx: // the record was written since: stale
		case !listed && e.RecordIndex <= d.listing.Index: // the record was deleted
		default:
			want[job] = e
		}
	}
	applyViews(want, views)
	return want
}

// applyViews overlays views on entries: a view replaces (or, with no entry, removes) the
// entry of a record no newer than the view's.
func applyViews(entries map[string]DigestEntry, views map[string]DigestView) {
	for job, v := range views {
		if e, ok := entries[job]; ok && e.RecordIndex > v.RecordIndex {
			continue // a newer record's entry, from a concurrent apply
		}
		if v.Entry == nil {
			delete(entries, job)
		} else {
			entries[job] = *v.Entry
		}
	}
}

// mergeNewer adds src's entries to dst where dst has none or an older record's.
func mergeNewer(dst, src map[string]DigestEntry) {
	for job, e := range src {
		if cur, ok := dst[job]; !ok || e.RecordIndex > cur.RecordIndex {
			dst[job] = e
		}
	}
}

func (c *Client) writeDigestShard(ctx context.Context, ns, path string, read *digestShard, entries map[string]DigestEntry, views map[string]DigestView) (int, error) {
	cur := read
	for attempt := 0; ; attempt++ {
		index := uint64(0)
		if cur != nil {
			index = cur.modifyIndex
			if maps.Equal(cur.entries, entries) {
				return 0, nil
			}
		}
		items, err := encodeDigestShard(entries)
		if err != nil {
			return 0, fmt.Errorf("write digest %s/%s: %w", ns, path, err)
		}
		_, err = c.writeChecked(ctx, &api.Variable{Namespace: ns, Path: path, Items: items, ModifyIndex: index})
		if err == nil {
			return 1, nil
		}
		if !errors.Is(err, ErrRecordConflict) || attempt+1 >= casAttempts {
			return 0, fmt.Errorf("write digest %s/%s: %w", ns, path, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return 0, err
		}
		// Another apply wrote the shard: keep its entries of newer records, ours of ours.
		if cur, err = c.readDigestShard(ctx, ns, path); err != nil {
			return 0, err
		}
		if cur != nil {
			merged := maps.Clone(cur.entries)
			mergeNewer(merged, entries)
			applyViews(merged, shardViews(views, path))
			entries = merged
		}
	}
}

// shardViews are the views of the jobs whose entries live in the shard at path.
func shardViews(views map[string]DigestView, path string) map[string]DigestView {
	out := map[string]DigestView{}
	for job, v := range views {
		if digestShardPathLike(path, job) {
			out[job] = v
		}
	}
	return out
}

// digestShardPathLike reports whether jobID's entry belongs to the shard at path (whose
// name carries the shard count).
func digestShardPathLike(path, jobID string) bool {
	var k, i int
	if _, err := fmt.Sscanf(path[len(digestPrefix):], "%d/%d", &k, &i); err != nil || k < 1 {
		return false
	}
	return digestShardPath(k, jobID) == path
}

func (c *Client) readDigestShard(ctx context.Context, ns, path string) (*digestShard, error) {
	v, _, err := c.api.Variables().Peek(path, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("read digest %s/%s: %w", ns, path, err)
	}
	if v == nil {
		return nil, nil // deleted since the listing
	}
	entries, err := decodeDigestShard(v.Items)
	if err != nil {
		return nil, fmt.Errorf("read digest %s/%s: %w", ns, path, err)
	}
	return &digestShard{modifyIndex: v.ModifyIndex, entries: entries}, nil
}

// digestShardCount is the power of two that keeps shards near digestPerShard entries.
func digestShardCount(entries int) int {
	k := 1
	for k*digestPerShard < entries && k < maxDigestShards {
		k *= 2
	}
	return k
}

func digestShardPath(k int, jobID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(jobID))
	return fmt.Sprintf("%s%d/%d", digestPrefix, k, h.Sum32()%uint32(k))
}

const itemEntries = "entries"

// encodeDigestShard keeps a shard within the record budget: when entries would not fit
// (very long job IDs, or more services than maxDigestShards × a shard holds), the entries
// that sort last are left out, and their services are read in full.
func encodeDigestShard(entries map[string]DigestEntry) (api.VariableItems, error) {
	jobs := slices.Sorted(maps.Keys(entries))
	for {
		kept := make(map[string]DigestEntry, len(jobs))
		for _, j := range jobs {
			kept[j] = entries[j]
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return nil, err
		}
		it := api.VariableItems{itemFormat: strconv.Itoa(RecordFormat), itemEntries: string(b)}
		size := itemsSize(it)
		if size <= recordBudget || len(jobs) == 0 {
			return it, nil
		}
		drop := max(1, len(jobs)*(size-recordBudget)/size+1)
		jobs = jobs[:max(0, len(jobs)-drop)]
	}
}

func decodeDigestShard(it api.VariableItems) (map[string]DigestEntry, error) {
	if f, _ := strconv.Atoi(it[itemFormat]); f > RecordFormat {
		return nil, fmt.Errorf("digest format %d is newer than this ecsgit understands (%d); upgrade ecsgit", f, RecordFormat)
	}
	entries := map[string]DigestEntry{}
	if s := it[itemEntries]; s != "" {
		if err := json.Unmarshal([]byte(s), &entries); err != nil {
			return nil, fmt.Errorf("item %s: %w", itemEntries, err)
		}
	}
	return entries, nil
}
