package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// enumsInsideRaw are SDK enum fields under a model field kept as json.RawMessage (passed
// through, never inspected by validation). They are listed so that the test below notices
// when one of them becomes a typed model field without an Enums entry.
var enumsInsideRaw = []string{
	"Volume.efsVolumeConfiguration",
	"Service.networkConfiguration",
	"Service.serviceConnectConfiguration",
	"Service.volumeConfigurations",
	"Service.gatewayConnectors",
	"DeploymentConfiguration.earlySuccessCriteria",
	"DeploymentConfiguration.lifecycleHooks",
}

// TestEnumsMatchSDK walks the SDK's RegisterTaskDefinitionInput and CreateServiceInput
// beside the spec model (fields matched by JSON name, as the wire format does) and, for
// every SDK field whose type is an enum (has a Values method), requires that Enums (or
// CoercedEnums) has the model field with exactly the SDK's values. A new SDK value or a
// new enumerated field fails here instead of being refused by validation.
func TestEnumsMatchSDK(t *testing.T) {
	w := &enumWalker{t: t, found: map[string]bool{}, raw: map[string]bool{}}
	w.walk(reflect.TypeOf(ecs.RegisterTaskDefinitionInput{}), reflect.TypeOf(TaskDefinition{}), map[reflect.Type]bool{})
	w.walk(reflect.TypeOf(ecs.CreateServiceInput{}), reflect.TypeOf(Service{}), map[reflect.Type]bool{})
	for key := range Enums {
		if !w.found[key] {
			t.Errorf("Enums[%q]: no SDK enum field at that place (stale entry?)", key)
		}
		if _, ok := enumRules[key]; !ok {
			t.Errorf("Enums[%q]: no rule in enumRules", key)
		}
	}
	for key := range CoercedEnums {
		if !w.found[key] {
			t.Errorf("CoercedEnums[%q]: no SDK enum field at that place", key)
		}
	}
	for _, key := range enumsInsideRaw {
		if !w.raw[key] {
			t.Errorf("enumsInsideRaw %q: no SDK enum below it any more, or it is no longer raw JSON", key)
		}
	}
}

type enumWalker struct {
	t     *testing.T
	found map[string]bool // Enums/CoercedEnums keys met
	raw   map[string]bool // raw model fields with SDK enums below
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		if t == rawMessageType {
			return t
		}
		t = t.Elem()
	}
	return t
}

func hasSDKEnum(t reflect.Type, seen map[reflect.Type]bool) bool {
	t = elem(t)
	if sdkEnumValues(t) != nil {
		return true
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return false
	}
	seen[t] = true
	for _, f := range reflect.VisibleFields(t) {
		if f.IsExported() && hasSDKEnum(f.Type, seen) {
			return true
		}
	}
	return false
}

func (w *enumWalker) walk(sdk, model reflect.Type, seen map[reflect.Type]bool) {
	if seen[sdk] {
		return
	}
	seen[sdk] = true
	defer delete(seen, sdk)
	byJSON := fieldsByJSONName(model)
	for _, f := range reflect.VisibleFields(sdk) {
		if !f.IsExported() {
			continue
		}
		name := sdkJSONName(f)
		mf, ok := byJSON[name]
		if !ok {
			continue // schemas.TestSchemaCoversAWSInputs reports missing fields
		}
		key := model.Name() + "." + name
		st, mt := elem(f.Type), elem(mf.Type)
		if vals := sdkEnumValues(st); vals != nil {
			w.checkEnum(key, st.Name(), vals)
			continue
		}
		if mt == rawMessageType {
			if hasSDKEnum(st, map[reflect.Type]bool{}) {
				w.raw[key] = true
				if !slices.Contains(enumsInsideRaw, key) {
					w.t.Errorf("%s is raw JSON in the model but has SDK enums below it: add it to enumsInsideRaw", key)
				}
			}
			continue
		}
		if st.Kind() == reflect.Struct && mt.Kind() == reflect.Struct {
			w.walk(st, mt, seen)
		}
	}
}

func (w *enumWalker) checkEnum(key, sdkType string, sdkVals []string) {
	w.found[key] = true
	var ours []string
	if v, ok := Enums[key]; ok {
		ours = v
	} else if c, ok := CoercedEnums[key]; ok {
		ours = c.Values
	} else {
		w.t.Errorf("%s (SDK types.%s %v) is not checked: add it to spec.Enums (or CoercedEnums) and validate it", key, sdkType, sdkVals)
		return
	}
	if !slices.Equal(ours, sdkVals) {
		got, _ := json.Marshal(ours)
		want, _ := json.Marshal(sdkVals)
		w.t.Errorf("%s: spec allows %s, the SDK's types.%s.Values() are %s", key, got, sdkType, want)
	}
}

// fieldsByJSONName indexes a model struct's fields by their JSON name.
func fieldsByJSONName(model reflect.Type) map[string]reflect.StructField {
	byJSON := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(model) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		byJSON[name] = f
	}
	return byJSON
}

// sdkJSONName is the JSON name of an SDK input field: the Go name, first letter lowered.
func sdkJSONName(f reflect.StructField) string { return strings.ToLower(f.Name[:1]) + f.Name[1:] }
