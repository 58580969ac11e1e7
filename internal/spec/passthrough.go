package spec

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The model keeps objects ecsgit never translates as json.RawMessage (pass-through
// objects). Their contents are still AWS's API shapes, so the decoder checks them
// against the SDK's types (aws-sdk-go-v2/service/ecs/types): an unknown member is an
// error with a did-you-mean, a value of the wrong JSON type or outside an enum is too.
// TestPassThroughTypesMatchSDK walks the SDK's input types beside the model and fails
// when a raw field is missing here or names another type than the SDK's.

// passThroughTypes maps model struct type → JSON field name → the SDK type of its value.
var passThroughTypes = map[reflect.Type]map[string]reflect.Type{
	reflect.TypeOf(TaskDefinition{}): {
		"inferenceAccelerators": reflect.TypeOf([]types.InferenceAccelerator{}),
	},
	reflect.TypeOf(Volume{}): {
		"efsVolumeConfiguration":                  reflect.TypeOf(types.EFSVolumeConfiguration{}),
		"fsxWindowsFileServerVolumeConfiguration": reflect.TypeOf(types.FSxWindowsFileServerVolumeConfiguration{}),
		"s3filesVolumeConfiguration":              reflect.TypeOf(types.S3FilesVolumeConfiguration{}),
	},
	reflect.TypeOf(Service{}): {
		"networkConfiguration":        reflect.TypeOf(types.NetworkConfiguration{}),
		"serviceConnectConfiguration": reflect.TypeOf(types.ServiceConnectConfiguration{}),
		"volumeConfigurations":        reflect.TypeOf([]types.ServiceVolumeConfiguration{}),
		"vpcLatticeConfigurations":    reflect.TypeOf([]types.VpcLatticeConfiguration{}),
		"monitoring":                  reflect.TypeOf(types.MonitoringConfiguration{}),
		"gatewayConnectors":           reflect.TypeOf([]types.GatewayConnector{}),
	},
	reflect.TypeOf(DeploymentConfiguration{}): {
		"alarms":               reflect.TypeOf(types.DeploymentAlarms{}),
		"lifecycleHooks":       reflect.TypeOf([]types.DeploymentLifecycleHook{}),
		"canaryConfiguration":  reflect.TypeOf(types.CanaryConfiguration{}),
		"linearConfiguration":  reflect.TypeOf(types.LinearConfiguration{}),
		"earlySuccessCriteria": reflect.TypeOf(types.DeploymentEarlySuccessCriteria{}),
	},
	reflect.TypeOf(LoadBalancer{}): {
		"advancedConfiguration": reflect.TypeOf(types.AdvancedConfiguration{}),
	},
}

// checkPassThrough checks node n, the value of a pass-through field, against SDK type t.
func (d *decoder) checkPassThrough(n *node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.kind == kindNull {
		return
	}
	switch t.Kind() {
	case reflect.String:
		if !d.want(n, kindString, path, "string") {
			return
		}
		if values := sdkEnumValues(t); len(values) > 0 && !contains(values, n.str) {
			msg := fmt.Sprintf("%s: %q is not one of AWS's values (%s)", displayPath(path), n.str, strings.Join(values, ", "))
			if s := suggest(n.str, values); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			d.errorf(n.pos, RuleValue, "%s", msg)
		}
	case reflect.Bool:
		d.want(n, kindBool, path, "boolean")
	case reflect.Int, reflect.Int32, reflect.Int64:
		if d.want(n, kindNumber, path, "integer") {
			if _, err := strconv.ParseInt(n.str, 10, 64); err != nil {
				d.errorf(n.pos, RuleType, "%s: expected integer, got %s", displayPath(path), describe(n))
			}
		}
	case reflect.Float32, reflect.Float64:
		d.want(n, kindNumber, path, "number")
	case reflect.Slice:
		if d.want(n, kindArray, path, "array") {
			for i, e := range n.elems {
				d.checkPassThrough(e, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Map:
		if d.want(n, kindObject, path, "object") {
			for _, m := range n.members {
				d.checkPassThrough(m.val, t.Elem(), joinPath(path, m.key))
			}
		}
	case reflect.Struct:
		if t.PkgPath() != sdkTypesPkg {
			return // e.g. time.Time: not checked
		}
		if !d.want(n, kindObject, path, "object") {
			return
		}
		d.eachMember(n, sdkStructInfoOf(t), path, func(m member, idx []int) {
			d.fields[joinPath(path, m.key)] = m.val.pos
			d.checkPassThrough(m.val, t.FieldByIndex(idx).Type, joinPath(path, m.key))
		})
	}
}

var sdkTypesPkg = reflect.TypeOf(types.EFSVolumeConfiguration{}).PkgPath()

var sdkStructInfos sync.Map // reflect.Type → *structInfo

// sdkStructInfoOf is structInfoOf for an SDK type: the SDK's structs have no json tags;
// the API's member names are the Go names, lower-camel-cased (schemas/aws_test.go relies
// on the same rule).
func sdkStructInfoOf(t reflect.Type) *structInfo {
	if si, ok := sdkStructInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string][]int{}, byLower: map[string]string{}}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := strings.ToLower(f.Name[:1]) + f.Name[1:]
		si.byName[name] = f.Index
		si.byLower[strings.ToLower(name)] = name
		si.names = append(si.names, name)
	}
	sdkStructInfos.Store(t, si)
	return si
}

// sdkEnumValues lists the values of an SDK enum type (its Values method), or nil.
func sdkEnumValues(t reflect.Type) []string {
	m, ok := t.MethodByName("Values")
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Slice {
		return nil
	}
	out := m.Func.Call([]reflect.Value{reflect.Zero(t)})[0]
	values := make([]string, out.Len())
	for i := range values {
		values[i] = out.Index(i).String()
	}
	return values
}

func contains(values []string, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}
