package nomadbackend

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Item keys of a service record (docs/records.md). Flat items, not one JSON blob, so that
// `nomad var get ecsgit/services/<job>` is readable by an operator.
const (
	itemFormat         = "format"
	itemSource         = "source"
	itemFamily         = "family"
	itemRevision       = "revision"
	itemSpecHash       = "spec_hash"
	itemTaskDefinition = "task_definition"
	itemService        = "service"
	itemCommit         = "commit"
	itemJobVersion     = "job_version"
	itemJobModifyIndex = "job_modify_index"
	itemOutcome        = "outcome"
	itemAppliedAt      = "applied_at"
	itemAppliedBy      = "applied_by"
	itemHistory        = "history"
	itemFailed         = "failed"
	itemPaused         = "paused"
	itemPausedReason   = "paused_reason"
	itemClaim          = "claim"
)

func encodeServiceRecord(r *ServiceRecord) (api.VariableItems, error) {
	it := api.VariableItems{
		itemFormat:         strconv.Itoa(RecordFormat),
		itemFamily:         r.Family,
		itemRevision:       strconv.Itoa(r.Revision),
		itemSpecHash:       r.SpecHash,
		itemJobVersion:     strconv.FormatUint(r.JobVersion, 10),
		itemJobModifyIndex: strconv.FormatUint(r.JobModifyIndex, 10),
		itemOutcome:        string(r.Outcome),
	}
	setIf(it, itemSource, r.Source)
	setIf(it, itemTaskDefinition, string(r.TaskDefinition))
	setIf(it, itemService, string(r.Service))
	setIf(it, itemAppliedBy, r.AppliedBy)
	setIf(it, itemClaim, r.Claim)
	if !r.AppliedAt.IsZero() {
		it[itemAppliedAt] = r.AppliedAt.UTC().Format(time.RFC3339)
	}
	if r.Paused {
		it[itemPaused] = "true"
		setIf(it, itemPausedReason, r.PausedReason)
	}
	if err := setJSON(it, itemCommit, r.Commit, r.Commit != nil); err != nil {
		return nil, err
	}
	if err := setJSON(it, itemFailed, r.Failed, r.Failed != nil); err != nil {
		return nil, err
	}
	// History is what gives way when the record grows too large: the ECS JSON and the
	// failure memory are needed for correctness, old history is not.
	for h := r.History; ; h = h[1:] {
		if err := setJSON(it, itemHistory, h, len(h) > 0); err != nil {
			return nil, err
		}
		if itemsSize(it) <= recordBudget || len(h) == 0 {
			break
		}
	}
	if n := itemsSize(it); n > recordBudget {
		return nil, fmt.Errorf("record is %d bytes even without history, over the %d-byte budget (Nomad variables hold at most %d)", n, recordBudget, maxVariableBytes)
	}
	return it, nil
}

func decodeServiceRecord(it api.VariableItems) (*ServiceRecord, error) {
	if f, _ := strconv.Atoi(it[itemFormat]); f > RecordFormat {
		return nil, fmt.Errorf("record format %d is newer than this ecsgit understands (%d); upgrade ecsgit", f, RecordFormat)
	}
	r := &ServiceRecord{
		Source:       it[itemSource],
		Family:       it[itemFamily],
		SpecHash:     it[itemSpecHash],
		Outcome:      RecordOutcome(it[itemOutcome]),
		AppliedBy:    it[itemAppliedBy],
		Paused:       it[itemPaused] == "true",
		PausedReason: it[itemPausedReason],
		Claim:        it[itemClaim],
	}
	var err error
	if r.Revision, err = atoiItem(it, itemRevision); err != nil {
		return nil, err
	}
	if r.JobVersion, err = uintItem(it, itemJobVersion); err != nil {
		return nil, err
	}
	if r.JobModifyIndex, err = uintItem(it, itemJobModifyIndex); err != nil {
		return nil, err
	}
	if s := it[itemTaskDefinition]; s != "" {
		r.TaskDefinition = json.RawMessage(s)
	}
	if s := it[itemService]; s != "" {
		r.Service = json.RawMessage(s)
	}
	if s := it[itemAppliedAt]; s != "" {
		if r.AppliedAt, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("item %s: %w", itemAppliedAt, err)
		}
	}
	for key, dst := range map[string]any{itemCommit: &r.Commit, itemFailed: &r.Failed, itemHistory: &r.History} {
		if s := it[key]; s != "" {
			if err := json.Unmarshal([]byte(s), dst); err != nil {
				return nil, fmt.Errorf("item %s: %w", key, err)
			}
		}
	}
	return r, nil
}

func setIf(it api.VariableItems, k, v string) {
	if v != "" {
		it[k] = v
	}
}

func setJSON(it api.VariableItems, k string, v any, present bool) error {
	if !present {
		delete(it, k)
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("item %s: %w", k, err)
	}
	it[k] = string(b)
	return nil
}

func atoiItem(it api.VariableItems, k string) (int, error) {
	if it[k] == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(it[k])
	if err != nil {
		return 0, fmt.Errorf("item %s: %w", k, err)
	}
	return n, nil
}

func uintItem(it api.VariableItems, k string) (uint64, error) {
	if it[k] == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(it[k], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("item %s: %w", k, err)
	}
	return n, nil
}
