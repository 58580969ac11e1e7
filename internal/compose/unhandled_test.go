package compose

import (
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// fillNonZero sets every settable field of v to a non-zero value, so that a converter
// that forgot a key would be caught by the reflection check.
func fillNonZero(v reflect.Value, depth int) {
	if depth > 4 {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillNonZero(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		fillNonZero(n.Elem(), depth+1)
		v.Set(n)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillNonZero(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fillNonZero(k, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fillNonZero(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	}
}

// yamlKeys lists the YAML names of a struct's fields, flattening inline structs.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Anonymous && strings.Contains(opts, "inline") {
			out = append(out, yamlKeys(f.Type)...)
			continue
		}
		if f.IsExported() && name != "" && name != "-" && !strings.HasPrefix(name, "#") {
			out = append(out, name)
		}
	}
	return out
}

// TestEveryServiceKeyIsHandledOrReported sets every field of types.ServiceConfig and
// checks that each key is either one the converter reads or reported as unsupported. A
// compose-go upgrade that adds a field fails here until the field is mapped or listed.
func TestEveryServiceKeyIsHandledOrReported(t *testing.T) {
	var svc types.ServiceConfig
	fillNonZero(reflect.ValueOf(&svc).Elem(), 0)
	svc.Name = "t"
	project := &types.Project{Name: "p", Services: types.Services{"t": svc}}
	s := &svcConv{ix: newPosIndex(nil, ""), project: project, name: "t", svc: svc, fields: spec.PosMap{}}
	s.convertContainer()
	s.deploy()
	s.dependencies(map[string]string{}, map[string]*svcConv{"t": s})
	s.checkUnhandled()
	noted := map[string]bool{}
	for _, n := range append(s.taskNotes, s.svcNotes...) {
		noted[n.Field] = true
	}
	check := func(prefix string, typ reflect.Type, handled map[string]bool) {
		for _, k := range yamlKeys(typ) {
			if !handled[k] && !noted[prefix+k] {
				t.Errorf("%s%s is set but neither handled nor reported", prefix, k)
			}
		}
	}
	check("services.t.", reflect.TypeOf(svc), handledServiceKeys)
	check("services.t.deploy.", reflect.TypeOf(*svc.Deploy), handledDeployKeys)
	check("services.t.healthcheck.", reflect.TypeOf(*svc.HealthCheck), handledHealthcheckKeys)
	check("services.t.ports[0].", reflect.TypeOf(svc.Ports[0]), handledPortKeys)
	check("services.t.volumes[0].", reflect.TypeOf(svc.Volumes[0]), handledVolumeKeys)
	if len(s.taskNotes)+len(s.svcNotes) == 0 {
		t.Fatal("no notes at all")
	}
}

// TestUnhandledKeysReportsUnknownField checks the reflection itself on a struct that has
// a field the handled list does not know.
func TestUnhandledKeysReportsUnknownField(t *testing.T) {
	type inner struct {
		B int `yaml:"b"`
	}
	type sample struct {
		A      string `yaml:"a"`
		inner  `yaml:",inline"`
		Future []string          `yaml:"future"`
		X      map[string]string `yaml:"#extensions,inline"`
	}
	v := sample{A: "1", inner: inner{B: 2}, Future: []string{"x"}, X: map[string]string{"x-a": "1"}}
	got := unhandledKeys(reflect.ValueOf(v), set("a"))
	if strings.Join(got, ",") != "future" {
		t.Errorf("unhandledKeys = %v, want [future] (b is unexported-inline here, extensions are skipped)", got)
	}
}

// TestHandledKeysExist keeps the handled lists honest: every listed key must be a real
// field, or a renamed compose-go field would be "handled" by a name that no longer exists.
func TestHandledKeysExist(t *testing.T) {
	cases := []struct {
		name    string
		typ     reflect.Type
		handled map[string]bool
	}{
		{"service", reflect.TypeOf(types.ServiceConfig{}), handledServiceKeys},
		{"deploy", reflect.TypeOf(types.DeployConfig{}), handledDeployKeys},
		{"resource", reflect.TypeOf(types.Resource{}), handledResourceKeys},
		{"update_config", reflect.TypeOf(types.UpdateConfig{}), handledUpdateKeys},
		{"restart_policy", reflect.TypeOf(types.RestartPolicy{}), handledRestartKeys},
		{"placement", reflect.TypeOf(types.Placement{}), handledPlacementKeys},
		{"healthcheck", reflect.TypeOf(types.HealthCheckConfig{}), handledHealthcheckKeys},
		{"port", reflect.TypeOf(types.ServicePortConfig{}), handledPortKeys},
		{"volume", reflect.TypeOf(types.ServiceVolumeConfig{}), handledVolumeKeys},
		{"logging", reflect.TypeOf(types.LoggingConfig{}), handledLoggingKeys},
		{"depends_on", reflect.TypeOf(types.ServiceDependency{}), handledDependsKeys},
	}
	for _, c := range cases {
		real := map[string]bool{}
		for _, k := range yamlKeys(c.typ) {
			real[k] = true
		}
		for k := range c.handled {
			if !real[k] {
				t.Errorf("%s: handled key %q is not a field of %s", c.name, k, c.typ)
			}
		}
	}
}
