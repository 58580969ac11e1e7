package nomadbackend

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestHistoryIsBounded(t *testing.T) {
	r := &ServiceRecord{}
	for i := range MaxHistory + 5 {
		r.AddHistory(HistoryEntry{Revision: i})
	}
	if len(r.History) != MaxHistory || r.History[0].Revision != 5 {
		t.Fatalf("history %d entries starting at %d", len(r.History), r.History[0].Revision)
	}
}

// A record near Nomad's 64 KiB limit gives up old history, never the ECS JSON.
func TestEncodeTrimsHistoryToFitVariableLimit(t *testing.T) {
	big := json.RawMessage(`"` + strings.Repeat("a", 55*1024) + `"`)
	r := &ServiceRecord{TaskDefinition: big}
	for i := range MaxHistory {
		r.AddHistory(HistoryEntry{Revision: i, Commit: strings.Repeat("c", 40), Who: strings.Repeat("w", 200), Time: time.Now()})
	}
	it, err := encodeServiceRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := itemsSize(it); n > recordBudget {
		t.Fatalf("encoded %d bytes > budget %d", n, recordBudget)
	}
	back, err := decodeServiceRecord(it)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.History) == 0 || len(back.History) == MaxHistory || back.History[len(back.History)-1].Revision != MaxHistory-1 {
		t.Errorf("kept %d history entries; want the newest few", len(back.History))
	}
	r.TaskDefinition = json.RawMessage(`"` + strings.Repeat("a", 70*1024) + `"`)
	if _, err := encodeServiceRecord(r); err == nil {
		t.Error("a record over the limit even without history must be refused")
	}
}

func TestDecodeRefusesNewerFormat(t *testing.T) {
	if _, err := decodeServiceRecord(map[string]string{itemFormat: "99"}); err == nil {
		t.Error("newer format accepted")
	}
}

func TestVariablePath(t *testing.T) {
	if p := ServiceRecordPath("web-api_1"); p != "ecsgit/services/web-api_1" {
		t.Errorf("plain name: %s", p)
	}
	a, b := ServiceRecordPath("a.b"), ServiceRecordPath("a_b")
	if a == b || !validVariablePath.MatchString(a) {
		t.Errorf("dotted name %q must be valid and distinct from %q", a, b)
	}
	if p := FamilyRecordPath(strings.Repeat("x", 300)); len(p) > 128 || !validVariablePath.MatchString(p) {
		t.Errorf("long name gives %q", p)
	}
}

func TestTrimRevisions(t *testing.T) {
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	trimRevisions(m, 2)
	if _, ok := m["a"]; ok || len(m) != 2 {
		t.Errorf("trim kept %v", m)
	}
}
