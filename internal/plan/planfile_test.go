package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func exampleJobs() map[string]json.RawMessage {
	return map[string]json.RawMessage{
		"api":     json.RawMessage(`{"ID": "ecsgit-api", "TaskGroups": [{"Name": "api", "Count": 2}]}`),
		"web":     json.RawMessage(`{"ID":"ecsgit-web","TaskGroups":[{"Name":"web","Count":4}]}`),
		"worker":  json.RawMessage(`{"ID":"ecsgit-worker","TaskGroups":[{"Name":"worker","Count":5}]}`),
		"billing": json.RawMessage(`{"ID":"ecsgit-billing"}`),
	}
}

// savedExample is the example plan's plan file and its saved bytes.
func savedExample(t *testing.T) (*PlanFile, string) {
	t.Helper()
	pf, err := NewPlanFile(examplePlan(), exampleJobs())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Save(&b, pf); err != nil {
		t.Fatal(err)
	}
	return pf, b.String()
}

func TestPlanFileRoundTrip(t *testing.T) {
	pf, saved := savedExample(t)
	got, err := Load(strings.NewReader(saved))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, saved)
	}
	want := *pf
	want.Checksum = got.Checksum
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	web, ok := got.Job("web")
	if !ok || web.JobModifyIndex != 812 || string(web.Job) != `{"ID":"ecsgit-web","TaskGroups":[{"Name":"web","Count":4}]}` {
		t.Errorf("Job(web) = %+v, %v", web, ok)
	}
	if _, ok := got.Job("redis"); ok {
		t.Error("a skipped service must have no binding")
	}
	cron, _ := got.Job("old-cron")
	if cron.Action != ActionDelete || cron.Job != nil || cron.JobModifyIndex != 120 {
		t.Errorf("Job(old-cron) = %+v", cron)
	}
}

func TestLoadRefuses(t *testing.T) {
	_, saved := savedExample(t)
	var planJSON bytes.Buffer
	if err := Render(&planJSON, examplePlan(), FormatJSON, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string
		want error
	}{
		{"edited image", strings.Replace(saved, `"Count": 4`, `"Count": 40`, 1), ErrPlanChecksum},
		{"edited index", strings.Replace(saved, `"job_modify_index": 812`, `"job_modify_index": 813`, 1), ErrPlanChecksum},
		{"newer version", strings.Replace(saved, `"format_version": 1,`, `"format_version": 2,`, 1), ErrPlanFileVersion},
		{"a JSON plan", planJSON.String(), ErrNotPlanFile},
		{"not JSON", "hello", ErrNotPlanFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == saved {
				t.Fatal("the test edit did not apply")
			}
			_, err := Load(strings.NewReader(tt.file))
			if !errors.Is(err, tt.want) {
				t.Errorf("Load = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewPlanFileRequiresJobs(t *testing.T) {
	jobs := exampleJobs()
	delete(jobs, "web")
	if _, err := NewPlanFile(examplePlan(), jobs); err == nil {
		t.Error("an updated service without a job: want an error")
	}
	jobs = exampleJobs()
	jobs["redis"] = json.RawMessage(`{}`)
	if _, err := NewPlanFile(examplePlan(), jobs); err == nil {
		t.Error("a skipped service with a job: want an error")
	}
	jobs = exampleJobs()
	jobs["ghost"] = json.RawMessage(`{}`)
	if _, err := NewPlanFile(examplePlan(), jobs); err == nil {
		t.Error("a job for an unknown service: want an error")
	}
}

func TestWouldChange(t *testing.T) {
	if !WouldChange(examplePlan()) {
		t.Error("with changes: false, want true")
	}
	p := &Plan{Services: []ServicePlan{{Service: "a", Action: ActionNoop}, {Service: "b", Action: ActionSkip}}}
	if WouldChange(p) {
		t.Error("no changes (noop, skip): true, want false")
	}
}

// TestPlanFileKeepsLoadBalancing: apply writes load-balancing records from the plan
// file's plan alone (after, record_modify_index, owner), so a round trip keeps them.
func TestPlanFileKeepsLoadBalancing(t *testing.T) {
	p := elbPlan()
	p.LoadBalancing[3].RecordModifyIndex, p.LoadBalancing[3].Owner = 417, "shop"
	p.Redact() // as Save does: the tag under a secret-looking key is masked
	pf, err := NewPlanFile(p, map[string]json.RawMessage{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Save(&b, pf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(&b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pf.Plan.LoadBalancing, got.Plan.LoadBalancing); diff != "" {
		t.Errorf("load balancing after a round trip (-want +got):\n%s", diff)
	}
	if got.Plan.LoadBalancing[3].After["Priority"] != "5" || got.Plan.LoadBalancing[3].RecordModifyIndex != 417 {
		t.Errorf("rule binding lost: %+v", got.Plan.LoadBalancing[3])
	}
}
