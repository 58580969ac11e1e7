package reconcile

import (
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// Whose register is a live job ecsgit has not recorded: the claim decides, and a claim
// of another spec only while an apply could still be running.
func TestUnrecordedRegister(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	live := &nomadbackend.LiveJob{JobModifyIndex: 200}
	cases := []struct {
		name string
		rec  nomadbackend.ServiceRecord
		spec string
		want claimState
	}{
		{"no claim", nomadbackend.ServiceRecord{ModifyIndex: 150}, "a", notClaimed},
		{"claim after the register", nomadbackend.ServiceRecord{Claim: "a", ModifyIndex: 250}, "a", notClaimed},
		{"this spec", nomadbackend.ServiceRecord{Claim: "a", ModifyIndex: 150, AppliedAt: now.Add(-time.Hour)}, "a", claimedThisSpec},
		{"other spec, in flight", nomadbackend.ServiceRecord{Claim: "b", ModifyIndex: 150, AppliedAt: now.Add(-time.Minute)}, "a", claimedOtherSpec},
		{"other spec, stale claim", nomadbackend.ServiceRecord{Claim: "b", ModifyIndex: 150, AppliedAt: now.Add(-time.Hour)}, "a", notClaimed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unrecordedRegister(&c.rec, live, c.spec, now); got != c.want {
				t.Errorf("unrecordedRegister = %d, want %d", got, c.want)
			}
		})
	}
}
