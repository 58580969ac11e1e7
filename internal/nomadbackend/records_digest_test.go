package nomadbackend

import (
	"fmt"
	"strings"
	"testing"
)

func listingOf(index uint64, paths map[string]uint64) *RecordListing {
	return &RecordListing{Namespace: "default", Index: index, paths: paths}
}

func entry(i uint64) DigestEntry {
	return DigestEntry{RecordIndex: i, Family: "web", Revision: 1, SpecHash: "h", JobModifyIndex: 7}
}

// A summary is handed out only for the very record the listing shows.
func TestDigestSummaryOnlyAtTheListedIndex(t *testing.T) {
	d := &Digest{Namespace: "default", listing: listingOf(100, map[string]uint64{
		ServiceRecordPath("same"): 10, ServiceRecordPath("moved"): 20,
	}), entries: map[string]DigestEntry{"same": entry(10), "moved": entry(15), "gone": entry(5)}}
	for job, want := range map[string]bool{"same": true, "moved": false, "gone": false, "never": false} {
		got := d.Summary(job)
		if (got != nil) != want {
			t.Errorf("Summary(%s) = %v, want a summary: %v", job, got, want)
		}
		if got != nil && (!got.Summary || got.ModifyIndex != 10 || got.Outcome != OutcomeSucceeded) {
			t.Errorf("Summary(%s) = %+v", job, got)
		}
	}
	var none *Digest
	if none.Summary("same") != nil {
		t.Error("a nil digest summarised a record")
	}
}

func TestDigestEntryOnlyOfSettledRecords(t *testing.T) {
	ok := &ServiceRecord{ModifyIndex: 3, Outcome: OutcomeSucceeded, JobModifyIndex: 9, Revision: 2, Family: "f", SpecHash: "h"}
	if e := DigestEntryOf(ok); e == nil || e.RecordIndex != 3 || e.JobModifyIndex != 9 {
		t.Fatalf("entry of a settled record: %+v", e)
	}
	for name, change := range map[string]func(r *ServiceRecord){
		"pending":  func(r *ServiceRecord) { r.Outcome = OutcomePending },
		"claimed":  func(r *ServiceRecord) { r.Claim = "h2" },
		"paused":   func(r *ServiceRecord) { r.Paused = true },
		"failure":  func(r *ServiceRecord) { r.Failed = &Failure{SpecHash: "old"} },
		"unstored": func(r *ServiceRecord) { r.ModifyIndex = 0 },
	} {
		r := ok.Clone()
		change(r)
		if e := DigestEntryOf(r); e != nil {
			t.Errorf("%s record got an entry %+v", name, e)
		}
	}
}

func TestWriteServiceRecordRefusesASummary(t *testing.T) {
	err := (&Client{}).WriteServiceRecord(t.Context(), &ServiceRecord{Namespace: "default", JobID: "web", Summary: true})
	if err == nil || !strings.Contains(err.Error(), "summary") {
		t.Fatalf("err = %v", err)
	}
}

// What an apply writes: stale and deleted entries go, views replace older entries but
// never a newer record's.
func TestDesiredDigest(t *testing.T) {
	d := &Digest{listing: listingOf(100, map[string]uint64{
		ServiceRecordPath("kept"): 10, ServiceRecordPath("stale"): 30, ServiceRecordPath("viewed"): 40,
		ServiceRecordPath("newer"): 50,
	}), entries: map[string]DigestEntry{
		"kept": entry(10), "stale": entry(20), "deleted": entry(90), "after-listing": entry(120),
		"viewed": entry(35), "newer": entry(50), "unsettled": entry(60),
	}}
	e41 := entry(41)
	got := desiredDigest(d, map[string]DigestView{
		"viewed": {RecordIndex: 41, Entry: &e41}, "newer": {RecordIndex: 45, Entry: nil},
		"unsettled": {RecordIndex: 61}, "created": {RecordIndex: 70, Entry: &e41},
	})
	want := map[string]uint64{"kept": 10, "after-listing": 120, "viewed": 41, "newer": 50, "created": 41}
	if len(got) != len(want) {
		t.Errorf("digest %v, want the jobs %v", got, want)
	}
	for job, idx := range want {
		if got[job].RecordIndex != idx {
			t.Errorf("%s: entry of record %d, want %d", job, got[job].RecordIndex, idx)
		}
	}
}

func TestDigestShardsStayNearTheirSizeAndWithinBudget(t *testing.T) {
	for n, want := range map[int]int{0: 1, 100: 1, 128: 1, 129: 2, 1000: 8, 5000: 64} {
		if got := digestShardCount(n); got != want {
			t.Errorf("digestShardCount(%d) = %d, want %d", n, got, want)
		}
	}
	entries := map[string]DigestEntry{}
	for i := range 2000 { // far more than a shard holds: some must give way
		e := entry(uint64(i + 1))
		e.SpecHash = strings.Repeat("f", 64)
		entries[fmt.Sprintf("service-with-a-rather-long-name-%04d", i)] = e
	}
	it, err := encodeDigestShard(entries)
	if err != nil {
		t.Fatal(err)
	}
	if n := itemsSize(it); n > recordBudget {
		t.Fatalf("shard of %d bytes over the %d budget", n, recordBudget)
	}
	back, err := decodeDigestShard(it)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) == 0 || len(back) == len(entries) {
		t.Fatalf("kept %d of %d entries", len(back), len(entries))
	}
	for job, e := range back {
		if entries[job] != e {
			t.Fatalf("%s decoded as %+v", job, e)
		}
	}
	p := digestShardPath(8, "web")
	if !digestShardPathLike(p, "web") || digestShardPathLike(digestShardPath(16, "web"), "api") && digestShardPath(16, "api") != digestShardPath(16, "web") {
		t.Errorf("shard paths: %s does not hold web, or a 16-shard path holds another job", p)
	}
}
