package plan

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsgit/ecsgit/internal/spec"
)

func td(t *testing.T, js string) *spec.TaskDefinition {
	t.Helper()
	var v spec.TaskDefinition
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("task definition %s: %v", js, err)
	}
	return &v
}

func svc(t *testing.T, js string) *spec.Service {
	t.Helper()
	var v spec.Service
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("service %s: %v", js, err)
	}
	return &v
}

func TestDiffTaskDefinitions(t *testing.T) {
	const base = `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1"}]}`
	tests := []struct {
		name     string
		old, new string
		want     []FieldChange
	}{
		{
			name: "identical",
			old:  base, new: base,
		},
		{
			name: "defaults spelled out are no change",
			old:  base,
			new: `{"family":"web","networkMode":"bridge","requiresCompatibilities":[],"volumes":null,
				"containerDefinitions":[{"name":"web","image":"web:1","essential":true,"environment":[],
				"portMappings":[],"privileged":false,"cpu":0}]}`,
		},
		{
			name: "set-like arrays in another order, port protocol default, hostPort 0",
			old: `{"family":"web","requiresCompatibilities":["EC2","EXTERNAL"],"containerDefinitions":[
				{"name":"db","image":"pg:16"},
				{"name":"web","image":"web:1","links":["a","b"],
				 "portMappings":[{"containerPort":80},{"containerPort":53,"protocol":"udp"}],
				 "mountPoints":[{"sourceVolume":"x","containerPath":"/x"},{"sourceVolume":"y","containerPath":"/y","readOnly":false}],
				 "healthCheck":{"command":["CMD","true"]}}]}`,
			new: `{"family":"web","requiresCompatibilities":["EXTERNAL","EC2"],"containerDefinitions":[
				{"name":"web","image":"web:1","links":["b","a"],
				 "portMappings":[{"containerPort":53,"protocol":"udp"},{"containerPort":80,"protocol":"tcp","hostPort":0}],
				 "mountPoints":[{"sourceVolume":"y","containerPath":"/y"},{"sourceVolume":"x","containerPath":"/x"}],
				 "healthCheck":{"command":["CMD","true"],"interval":30,"timeout":5,"retries":3,"startPeriod":0}},
				{"name":"db","image":"pg:16"}]}`,
		},
		{
			name: "environment is a map by name; order does not matter",
			old: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1",
				"environment":[{"name":"A","value":"1"},{"name":"LOG_LEVEL","value":"info"},{"name":"GONE","value":"x"}]}]}`,
			new: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1",
				"environment":[{"name":"LOG_LEVEL","value":"debug"},{"name":"NEW","value":"y"},{"name":"A","value":"1"}]}]}`,
			want: []FieldChange{
				{Path: "containerDefinitions[web].environment[GONE]", Old: "x", Kind: KindRemoved, ForcesReplacement: true},
				{Path: "containerDefinitions[web].environment[LOG_LEVEL]", Old: "info", New: "debug", Kind: KindChanged, ForcesReplacement: true},
				{Path: "containerDefinitions[web].environment[NEW]", New: "y", Kind: KindAdded, ForcesReplacement: true},
			},
		},
		{
			name: "image, command order, labels, ports, container added",
			old: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1","command":["a","b"],
				"dockerLabels":{"team":"x"},"portMappings":[{"containerPort":80}]}]}`,
			new: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:2","command":["b","a"],
				"dockerLabels":{"team":"y"},"portMappings":[{"containerPort":80,"hostPort":8080}]},
				{"name":"log","image":"fluent:1","essential":false}]}`,
			want: []FieldChange{
				{Path: "containerDefinitions[log].essential", New: "false", Kind: KindAdded, ForcesReplacement: true},
				{Path: "containerDefinitions[log].image", New: "fluent:1", Kind: KindAdded, ForcesReplacement: true},
				{Path: "containerDefinitions[web].command", Old: `["a","b"]`, New: `["b","a"]`, Kind: KindChanged, ForcesReplacement: true},
				{Path: "containerDefinitions[web].dockerLabels[team]", Old: "x", New: "y", Kind: KindChanged, ForcesReplacement: true},
				{Path: "containerDefinitions[web].image", Old: "web:1", New: "web:2", Kind: KindChanged, ForcesReplacement: true},
				{Path: "containerDefinitions[web].portMappings[80/tcp].hostPort", New: "8080", Kind: KindAdded, ForcesReplacement: true},
			},
		},
		{
			name: "secrets: names masked, ARNs shown, values that look secret masked",
			old: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1",
				"environment":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"NOTE","value":"plain"}],
				"secrets":[{"name":"API","valueFrom":"arn:aws:ssm:eu-west-1:1:parameter/api"}]}]}`,
			new: `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1",
				"environment":[{"name":"DB_PASSWORD","value":"hunter3"},{"name":"NOTE","value":"AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMI0K7MDENG"}],
				"secrets":[{"name":"API","valueFrom":"arn:aws:ssm:eu-west-1:1:parameter/api2"}]}]}`,
			want: []FieldChange{
				{Path: "containerDefinitions[web].environment[DB_PASSWORD]", Old: SensitiveValue, New: SensitiveValue, Kind: KindChanged, Masked: true, ForcesReplacement: true},
				{Path: "containerDefinitions[web].environment[NOTE]", Old: SensitiveValue, New: SensitiveValue, Kind: KindChanged, Masked: true, ForcesReplacement: true},
				{Path: "containerDefinitions[web].secrets[API].valueFrom", Old: "arn:aws:ssm:eu-west-1:1:parameter/api", New: "arn:aws:ssm:eu-west-1:1:parameter/api2", Kind: KindChanged, ForcesReplacement: true},
			},
		},
		{
			name: "an element that is only its key shows as one line",
			old:  `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1"}]}`,
			new:  `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1","volumesFrom":[{"sourceContainer":"db"}]}]}`,
			want: []FieldChange{{Path: "containerDefinitions[web].volumesFrom[db]", New: `{"sourceContainer":"db"}`, Kind: KindAdded, ForcesReplacement: true}},
		},
		{
			name: "tags do not force replacement",
			old:  `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1"}],"tags":[{"key":"team","value":"a"}]}`,
			new:  `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1"}],"tags":[{"key":"team","value":"b"}]}`,
			want: []FieldChange{{Path: "tags[team]", Old: "a", New: "b", Kind: KindChanged}},
		},
		{
			name: "awsvpc: absent hostPort equals containerPort",
			old:  `{"family":"web","networkMode":"awsvpc","containerDefinitions":[{"name":"web","image":"web:1","portMappings":[{"containerPort":80}]}]}`,
			new:  `{"family":"web","networkMode":"awsvpc","containerDefinitions":[{"name":"web","image":"web:1","portMappings":[{"containerPort":80,"hostPort":80}]}]}`,
		},
		{
			name: "cpu spelled as units",
			old:  `{"family":"web","cpu":"1 vCPU","memory":"2 GB","containerDefinitions":[{"name":"web","image":"web:1"}]}`,
			new:  `{"family":"web","cpu":1024,"memory":2048,"containerDefinitions":[{"name":"web","image":"web:1"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DiffTaskDefinitions(td(t, tt.old), td(t, tt.new))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DiffTaskDefinitions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffTaskDefinitionsNilSide(t *testing.T) {
	got := DiffTaskDefinitions(nil, td(t, `{"family":"web","containerDefinitions":[{"name":"web","image":"web:1"}]}`))
	want := []FieldChange{
		{Path: "containerDefinitions[web].essential", New: "true", Kind: KindAdded, ForcesReplacement: true},
		{Path: "containerDefinitions[web].image", New: "web:1", Kind: KindAdded, ForcesReplacement: true},
		{Path: "family", New: "web", Kind: KindAdded, ForcesReplacement: true},
		{Path: "networkMode", New: "bridge", Kind: KindAdded, ForcesReplacement: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDiffServices(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []FieldChange
		kind     UpdateKind
	}{
		{
			name: "defaults spelled out",
			old:  `{"serviceName":"web","taskDefinition":"web","desiredCount":2}`,
			new: `{"serviceName":"web","taskDefinition":"web","desiredCount":2,"schedulingStrategy":"REPLICA",
				"deploymentConfiguration":{"minimumHealthyPercent":100,"maximumPercent":200,
				"deploymentCircuitBreaker":{"enable":false,"rollback":false}},"deploymentController":{"type":"ECS"}}`,
			kind: UpdateNone,
		},
		{
			name: "scale only",
			old:  `{"serviceName":"web","taskDefinition":"web","desiredCount":2}`,
			new:  `{"serviceName":"web","taskDefinition":"web","desiredCount":4}`,
			want: []FieldChange{{Path: "desiredCount", Old: "2", New: "4", Kind: KindChanged}},
			kind: UpdateScale,
		},
		{
			name: "deployment bounds update in place",
			old:  `{"serviceName":"web","taskDefinition":"web","desiredCount":2}`,
			new:  `{"serviceName":"web","taskDefinition":"web","desiredCount":2,"deploymentConfiguration":{"maximumPercent":150}}`,
			want: []FieldChange{{Path: "deploymentConfiguration.maximumPercent", Old: "200", New: "150", Kind: KindChanged}},
			kind: UpdateInPlace,
		},
		{
			name: "DAEMON forces replacement",
			old:  `{"serviceName":"web","taskDefinition":"web"}`,
			new:  `{"serviceName":"web","taskDefinition":"web","schedulingStrategy":"DAEMON"}`,
			want: []FieldChange{
				{Path: "deploymentConfiguration.maximumPercent", Old: "200", New: "100", Kind: KindChanged},
				{Path: "deploymentConfiguration.minimumHealthyPercent", Old: "100", New: "0", Kind: KindChanged},
				{Path: "schedulingStrategy", Old: "REPLICA", New: "DAEMON", Kind: KindChanged, ForcesReplacement: true},
			},
			kind: UpdateReplace,
		},
		{
			name: "placement constraints are a set",
			old:  `{"serviceName":"web","taskDefinition":"web","placementConstraints":[{"type":"distinctInstance"},{"type":"memberOf","expression":"attribute:zone == a"}]}`,
			new:  `{"serviceName":"web","taskDefinition":"web","placementConstraints":[{"type":"memberOf","expression":"attribute:zone == a"},{"type":"distinctInstance"}]}`,
			kind: UpdateNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DiffServices(svc(t, tt.old), svc(t, tt.new))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DiffServices (-want +got):\n%s", diff)
			}
			if k := ClassifyUpdate(got); k != tt.kind {
				t.Errorf("ClassifyUpdate = %q, want %q", k, tt.kind)
			}
		})
	}
}

func TestSensitiveName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "api_key": true, "GITHUB_TOKEN": true, "AUTH_HEADER": true,
		"aws_secret_access_key": true, "TLS_PRIVATE": true, "SENTRY_DSN": true,
		"LOG_LEVEL": false, "MONKEY": false, "AUTHOR": false, "PORT": false, "": false,
	} {
		if got := sensitiveName(name); got != want {
			t.Errorf("sensitiveName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLooksSecret(t *testing.T) {
	for v, want := range map[string]bool{
		"-----BEGIN RSA PRIVATE KEY-----\nMII...":  true,
		"postgres://app:s3cret@db:5432/app":        true,
		"ghp_1234567890abcdefghijABCDEFGHIJ123456": true,
		"d41d8cd98f00b204e9800998ecf8427e00aa11bb": false, // a commit SHA
		"info": false,
		"/usr/local/lib/python3.12/site-packages": false,
		"https://example.com/health":              false,
	} {
		if got := looksSecret(v); got != want {
			t.Errorf("looksSecret(%q) = %v, want %v", v, got, want)
		}
	}
}
