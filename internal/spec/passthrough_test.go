package spec

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// TestPassThroughTypesMatchSDK walks the SDK's input types beside the model and checks
// that every json.RawMessage field of the model is checked against exactly the SDK type
// AWS has at that place, and that passThroughTypes names no other field.
func TestPassThroughTypesMatchSDK(t *testing.T) {
	found := map[reflect.Type]map[string]bool{}
	var walk func(model, sdk reflect.Type, path string)
	walk = func(model, sdk reflect.Type, path string) {
		for model.Kind() == reflect.Pointer || model.Kind() == reflect.Slice {
			model = model.Elem()
		}
		for sdk.Kind() == reflect.Pointer || sdk.Kind() == reflect.Slice {
			sdk = sdk.Elem()
		}
		if model.Kind() != reflect.Struct || sdk.Kind() != reflect.Struct {
			return
		}
		info := sdkStructInfoOf(sdk)
		for i := 0; i < model.NumField(); i++ {
			f := model.Field(i)
			name := jsonName(f)
			idx, ok := info.byName[name]
			if name == "" || !ok {
				continue // schemas/aws_test.go checks the names
			}
			sf := sdk.FieldByIndex(idx)
			if f.Type != rawMessageType {
				walk(f.Type, sf.Type, path+"."+name)
				continue
			}
			want := sf.Type
			for want.Kind() == reflect.Pointer {
				want = want.Elem()
			}
			got, ok := passThroughTypes[model][name]
			switch {
			case !ok:
				t.Errorf("%s.%s is passed through but not checked: add %s to passThroughTypes", path, name, want)
			case got != want:
				t.Errorf("%s.%s is checked against %s, the SDK has %s", path, name, got, want)
			}
			if found[model] == nil {
				found[model] = map[string]bool{}
			}
			found[model][name] = true
		}
	}
	walk(reflect.TypeOf(TaskDefinition{}), reflect.TypeOf(ecs.RegisterTaskDefinitionInput{}), "RegisterTaskDefinitionInput")
	walk(reflect.TypeOf(Service{}), reflect.TypeOf(ecs.CreateServiceInput{}), "CreateServiceInput")
	for typ, fields := range passThroughTypes {
		for name := range fields {
			if !found[typ][name] {
				t.Errorf("passThroughTypes names %s.%s, which is not a pass-through field of the model", typ.Name(), name)
			}
		}
	}
}

// TestPassThroughObjectsAreChecked: a typo inside a pass-through object is an error at
// its file:line:col, with a did-you-mean, as everywhere else in the model.
func TestPassThroughObjectsAreChecked(t *testing.T) {
	tests := []struct {
		name, doc string
		service   bool
		want      []string // each in one diagnostic
	}{
		{"efs typo and case", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":64}],
"volumes":[{"name":"v","efsVolumeConfiguration":{"fileSystemID":"fs-1","rootDirectry":"/","transitEncryption":"ENABLE"}}]}`, false, []string{
			`t.json:2:50: error: volumes[0].efsVolumeConfiguration: unknown field "fileSystemID": field names are case-sensitive, did you mean "fileSystemId"? [ECS-JSON-003]`,
			`t.json:2:72: error: volumes[0].efsVolumeConfiguration: unknown field "rootDirectry": did you mean "rootDirectory"? [ECS-JSON-002]`,
			`volumes[0].efsVolumeConfiguration.transitEncryption: "ENABLE" is not one of AWS's values (ENABLED, DISABLED): did you mean "ENABLED"? [ECS-JSON-007]`,
		}},
		{"valid efs", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":64}],
"volumes":[{"name":"v","efsVolumeConfiguration":{"fileSystemId":"fs-1","transitEncryption":"ENABLED","authorizationConfig":{"iam":"ENABLED","accessPointId":"fsap-1"}}}]}`, false, nil},
		{"networkConfiguration", `{"serviceName":"s","taskDefinition":"f","desiredCount":1,
"networkConfiguration":{"awsvpcConfiguration":{"subnet":["s-1"],"assignPublicIp":true}}}`, true, []string{
			`networkConfiguration.awsvpcConfiguration: unknown field "subnet": did you mean "subnets"? [ECS-JSON-002]`,
			`networkConfiguration.awsvpcConfiguration.assignPublicIp: expected string, got boolean true [ECS-JSON-004]`,
		}},
		{"nested list", `{"serviceName":"s","taskDefinition":"f","desiredCount":1,
"deploymentConfiguration":{"lifecycleHooks":[{"hookTargetArn":"arn","lifecycleStages":["PRE_SCALE_UP","POST_TEST"]}]}}`, true, []string{
			`deploymentConfiguration.lifecycleHooks[0].lifecycleStages[1]: "POST_TEST" is not one of AWS's values`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags Diagnostics
			if tt.service {
				_, diags = DecodeService("t.json", []byte(tt.doc))
			} else {
				_, diags = DecodeTaskDefinition("t.json", []byte(tt.doc))
			}
			var got []string
			for _, d := range diags {
				if d.Severity == SeverityError {
					got = append(got, d.String())
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors:\n%s\nwant %d", strings.Join(got, "\n"), len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d = %s\nwant it to contain %s", i, got[i], w)
				}
			}
		})
	}
}

// The raw value is still kept as written (the translator reads only its presence).
func TestPassThroughKeepsRawValue(t *testing.T) {
	doc, diags := DecodeTaskDefinition("t.json", []byte(`{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":64}],"volumes":[{"name":"v","efsVolumeConfiguration":{"fileSystemId":"fs-1"}}]}`))
	if diags.HasErrors(false) {
		t.Fatal(diags)
	}
	if got := string(doc.Volumes[0].EfsVolumeConfiguration); !json.Valid([]byte(got)) || !strings.Contains(got, "fs-1") {
		t.Errorf("raw = %s", got)
	}
}
