package nomadbackend

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLBRecordRoundTripCASAndDelete: ELB records on the real cluster: written,
// listed with their items, check-and-set on write and on delete, a hand edit detected,
// and a name with characters Nomad's paths forbid (a rule's file) kept apart.
func TestLBRecordRoundTripCASAndDelete(t *testing.T) {
	c, ns := clusterClient(t)
	ctx := ctxT(t)
	if recs, err := c.ListLBRecords(ctx, ns); err != nil || len(recs) != 0 {
		t.Fatalf("no records yet: %v %v", recs, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rule := &LBRecord{Namespace: ns, Kind: "rule", Name: "rules/api.v2", Source: "repo", File: "rules/api.v2.json",
		Fields: map[string]string{"Priority": "10", "Conditions[path-pattern]": `["/api/*"]`}, RoutesTo: []string{"api"},
		Commit: "deadbeef", AppliedAt: at, AppliedBy: "me@host"}
	tg := &LBRecord{Namespace: ns, Kind: "target-group", Name: "api-tg", Source: "repo", Fields: map[string]string{"HealthCheckPath": "/healthz"}}
	for _, r := range []*LBRecord{rule, tg} {
		if err := c.WriteLBRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if p := LBRecordPath("rule", "rules/api.v2"); !strings.HasPrefix(p, "ecsgit/elb/rule/rules_api_v2~") {
		t.Errorf("rule path %q: want the name made safe and hashed", p)
	}
	recs, err := c.ListLBRecords(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Kind != "rule" || recs[1].Kind != "target-group" {
		t.Fatalf("list: %+v", recs)
	}
	// A plan of 16+ services reads them from its listing of all ecsgit variables instead.
	listing, err := c.ListRecords(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if fromListing, err := c.ReadLBRecords(ctx, listing); err != nil || !reflect.DeepEqual(fromListing, recs) {
		t.Fatalf("ReadLBRecords of the record listing: %v\n%+v\nwant what ListLBRecords reads:\n%+v", err, fromListing, recs)
	}
	got := recs[0]
	if got.Name != "rules/api.v2" || got.Fields["Priority"] != "10" || !slices.Equal(got.RoutesTo, []string{"api"}) ||
		got.Commit != "deadbeef" || !got.AppliedAt.Equal(at) || got.ModifyIndex != rule.ModifyIndex || !got.Intact() {
		t.Fatalf("round trip lost data: %+v", got)
	}

	// A stale writer loses; a stale delete keeps the record.
	stale := *got
	got.Fields = map[string]string{"Priority": "7"}
	if err := c.WriteLBRecord(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteLBRecord(ctx, &stale); !errors.Is(err, ErrRecordConflict) {
		t.Fatalf("stale write: %v, want ErrRecordConflict", err)
	}
	if err := c.DeleteLBRecord(ctx, &stale); !errors.Is(err, ErrRecordConflict) {
		t.Fatalf("stale delete: %v, want ErrRecordConflict", err)
	}

	// An edit outside ecsgit (nomad var put) leaves the hash behind.
	v, _, err := c.api.Variables().Peek(LBRecordPath("target-group", "api-tg"), queryOpts(ctx, ns))
	if err != nil {
		t.Fatal(err)
	}
	v.Items["fields"] = `{"HealthCheckPath":"/edited"}`
	if _, _, err := c.api.Variables().Update(v, writeOpts(ctx, ns)); err != nil {
		t.Fatal(err)
	}
	recs, _ = c.ListLBRecords(ctx, ns)
	if recs[1].Intact() || recs[1].Fields["HealthCheckPath"] != "/edited" {
		t.Errorf("hand-edited record: intact %v, fields %v; want it detected", recs[1].Intact(), recs[1].Fields)
	}

	// Delete at the current index; deleting again (a re-run) is no error.
	if err := c.DeleteLBRecord(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLBRecord(ctx, got); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if recs, _ := c.ListLBRecords(ctx, ns); len(recs) != 1 || recs[0].Name != "api-tg" {
		t.Errorf("after delete: %+v", recs)
	}
}
