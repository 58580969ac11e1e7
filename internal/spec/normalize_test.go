package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNormalizeEquivalent: files that mean the same thing must normalize to equal structs,
// or plans would show spurious diffs.
func TestNormalizeEquivalent(t *testing.T) {
	tests := []struct {
		name, a, b string
	}{
		{"cpu number vs string vs units", `{"family":"f","cpu":1024,"memory":"2GB","containerDefinitions":[{"name":"a","image":"i:1"}]}`,
			`{"family":"f","cpu":"1 vCPU","memory":"2048","containerDefinitions":[{"name":"a","image":"i:1"}]}`},
		{"explicit defaults", `{"family":"f","containerDefinitions":[{"name":"a","image":"i:1","portMappings":[{"containerPort":80}],"healthCheck":{"command":["CMD","x"]}}]}`,
			`{"family":"f","networkMode":"bridge","containerDefinitions":[{"name":"a","image":"i:1","essential":true,"portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"}],
			  "healthCheck":{"command":["CMD","x"],"interval":30,"timeout":5,"retries":3,"startPeriod":0}}]}`},
		{"empty arrays and false booleans", `{"family":"f","containerDefinitions":[{"name":"a","image":"i:1"}]}`,
			`{"family":"f","volumes":[],"containerDefinitions":[{"name":"a","image":"i:1","environment":[],"readonlyRootFilesystem":false,"dockerLabels":{}}]}`},
		{"awsvpc host port", `{"family":"f","networkMode":"awsvpc","containerDefinitions":[{"name":"a","image":"i:1","portMappings":[{"containerPort":80}]}]}`,
			`{"family":"f","networkMode":"awsvpc","containerDefinitions":[{"name":"a","image":"i:1","portMappings":[{"containerPort":80,"hostPort":80}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, da := DecodeTaskDefinition("a.json", []byte(tt.a))
			b, db := DecodeTaskDefinition("b.json", []byte(tt.b))
			if len(da)+len(db) > 0 {
				t.Fatalf("decode: %v %v", da, db)
			}
			NormalizeTaskDefinition(&a.TaskDefinition)
			NormalizeTaskDefinition(&b.TaskDefinition)
			if diff := cmp.Diff(a.TaskDefinition, b.TaskDefinition); diff != "" {
				t.Errorf("(-a +b):\n%s", diff)
			}
			again := a.TaskDefinition
			NormalizeTaskDefinition(&again)
			if diff := cmp.Diff(a.TaskDefinition, again); diff != "" {
				t.Errorf("not idempotent:\n%s", diff)
			}
		})
	}
}

func TestNormalizeServiceDefaults(t *testing.T) {
	a, _ := DecodeService("a.json", []byte(`{"serviceName":"s","taskDefinition":"f","desiredCount":1}`))
	b, _ := DecodeService("b.json", []byte(`{"serviceName":"s","taskDefinition":"f","desiredCount":1,"launchType":"EC2","schedulingStrategy":"REPLICA",
		"deploymentController":{"type":"ECS"},"deploymentConfiguration":{"minimumHealthyPercent":100,"maximumPercent":200,"strategy":"ROLLING"}}`))
	NormalizeService(&a.Service)
	NormalizeService(&b.Service)
	if diff := cmp.Diff(a.Service, b.Service); diff != "" {
		t.Errorf("(-a +b):\n%s", diff)
	}
	d, _ := DecodeService("d.json", []byte(`{"serviceName":"s","taskDefinition":"f","schedulingStrategy":"DAEMON"}`))
	NormalizeService(&d.Service)
	if dc := d.DeploymentConfiguration; *dc.MinimumHealthyPercent != 0 || *dc.MaximumPercent != 100 {
		t.Errorf("DAEMON defaults = %d/%d, want 0/100", *dc.MinimumHealthyPercent, *dc.MaximumPercent)
	}
}

func TestDecodeWrapperAndPositions(t *testing.T) {
	src := `{
  "taskDefinition": {
    "taskDefinitionArn": "arn:x",
    "family": "f",
    "containerDefinitions": [{"name": "a", "image": "i:1"}]
  },
  "tags": [{"key": "team", "value": "x"}]
}`
	td, diags := DecodeTaskDefinition("w.json", []byte(src))
	if len(diags) != 1 || diags[0].Severity != SeverityNote || diags[0].Rule != RuleReadOnlyField {
		t.Fatalf("diags = %v", diags)
	}
	if td.Family != "f" || len(td.Tags) != 1 {
		t.Errorf("td = %+v", td.TaskDefinition)
	}
	if got := td.Fields["containerDefinitions[0].image"].String(); got != "w.json:5:53" {
		t.Errorf("position = %s", got)
	}
}

func TestDecodeService(t *testing.T) {
	_, diags := DecodeService("s.json", []byte(`{"serviceName":"s","taskDefinition":"f","desiredCount":"2","placementStrategy":[{"type":"spread","feild":"x"}]}`))
	want := []string{
		`s.json:1:56: error: desiredCount: expected integer, got string "2" [ECS-JSON-004]`,
		`s.json:1:98: error: placementStrategy[0]: unknown field "feild": did you mean "field"? [ECS-JSON-002]`,
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
