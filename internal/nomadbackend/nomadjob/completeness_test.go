package nomadjob

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// fillNonZero sets every field of v, at any depth, to a non-zero value (one element per
// list and map), so that a field nobody translates is present in the input.
func fillNonZero(v reflect.Value) {
	if raw, ok := v.Addr().Interface().(*json.RawMessage); ok {
		*raw = json.RawMessage(`{"x":1}`)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillNonZero(v.Field(i))
			}
		}
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		fillNonZero(n.Elem())
		v.Set(n)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillNonZero(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fillNonZero(k)
		e := reflect.New(v.Type().Elem()).Elem()
		fillNonZero(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}

// zeroPath clears the field at path (JSON names, "x[]" for every element of a list).
func zeroPath(v reflect.Value, path []string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	name, list := strings.CutSuffix(path[0], "[]")
	f, ok := fieldByJSONName(v, name)
	if !ok {
		panic("no field " + name)
	}
	switch {
	case len(path) == 1:
		f.Set(reflect.Zero(f.Type()))
	case list:
		for i := 0; i < f.Len(); i++ {
			zeroPath(f.Index(i), path[1:])
		}
	default:
		zeroPath(f, path[1:])
	}
}

// fullTask is a task definition with every field set: reflection fills all of them
// (so a field added to the model is set too), then the values whose meaning matters
// get a real one (a value the translator recognises, a reference that resolves).
func fullTask(networkMode string) spec.TaskDefinition {
	var td spec.TaskDefinition
	fillNonZero(reflect.ValueOf(&td).Elem())
	td.Family = "fam"
	td.Cpu, td.Memory = 2048, 4096
	td.NetworkMode = networkMode
	td.RequiresCompatibilities = []string{"FARGATE"}
	td.PidMode, td.IpcMode = "host", "host"
	td.PlacementConstraints = []spec.TaskDefinitionPlacementConstraint{{Type: "memberOf", Expression: "attribute:ecs.instance-type == t3.large"}}
	td.RuntimePlatform = &spec.RuntimePlatform{CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX"}
	// One volume of each kind, all mounted: each kind's configuration decides the mount.
	base := td.Volumes[0]
	td.Volumes = nil
	kinds := map[string]func(v *spec.Volume){
		"host":   func(v *spec.Volume) { v.Host = base.Host },
		"docker": func(v *spec.Volume) { v.DockerVolumeConfiguration = base.DockerVolumeConfiguration },
		"efs":    func(v *spec.Volume) { v.EfsVolumeConfiguration = base.EfsVolumeConfiguration },
		"fsx": func(v *spec.Volume) {
			v.FsxWindowsFileServerVolumeConfiguration = base.FsxWindowsFileServerVolumeConfiguration
		},
		"s3files": func(v *spec.Volume) { v.S3filesVolumeConfiguration = base.S3filesVolumeConfiguration },
		"launch":  func(v *spec.Volume) { v.ConfiguredAtLaunch = base.ConfiguredAtLaunch },
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	td.Volumes = nil
	var mounts []spec.MountPoint
	for _, k := range names {
		v := spec.Volume{Name: k}
		kinds[k](&v)
		td.Volumes = append(td.Volumes, v)
		mounts = append(mounts, spec.MountPoint{SourceVolume: k, ContainerPath: "/" + k, ReadOnly: new(true)})
	}
	td.Volumes[0].DockerVolumeConfiguration.Scope = spec.VolumeScopeShared
	td.Volumes[0].DockerVolumeConfiguration.Autoprovision = new(true) // false is ECS's default

	app := td.ContainerDefinitions[0]
	app.Name, app.Image = "app", "example/app:1.2.3"
	app.Cpu, app.Memory, app.MemoryReservation = 512, new(1024), new(512)
	app.Essential = new(false)
	app.DependsOn = []spec.ContainerDependency{{ContainerName: "main", Condition: "START"}}
	app.PortMappings = []spec.PortMapping{{ContainerPort: new(8080), HostPort: new(8080), Protocol: "udp", Name: "web", AppProtocol: "http"}, {ContainerPortRange: "9000-9001"}}
	app.HealthCheck.Command = []string{"CMD-SHELL", "curl -f http://localhost:8080/health"}
	app.MountPoints = mounts
	app.VolumesFrom[0].SourceContainer = "main"
	app.LogConfiguration.LogDriver = "awslogs"
	app.Ulimits[0].Name = "nofile"
	app.LinuxParameters.Capabilities = &spec.KernelCapabilities{Add: []string{"NET_ADMIN"}, Drop: []string{"MKNOD"}}
	app.LinuxParameters.Devices[0].Permissions = []string{"read"}
	app.StopTimeout = new(90)
	app.HealthCheck.StartPeriod = new(60) // above the grace period, so that it decides check_restart.grace
	app.VersionConsistency = "disabled"
	app.Image = "example/app:latest"
	app.RestartPolicy.Enabled = new(true)
	app.DependsOn = []spec.ContainerDependency{{ContainerName: "main", Condition: "START"}}
	app.DisableNetworking = new(false)
	// offline is app without a network: disableNetworking must matter there.
	offline := app
	offline.Name, offline.DisableNetworking = "offline", new(true)
	offline.PortMappings = []spec.PortMapping{{ContainerPort: new(8081), Name: "off"}}
	// app is also the task's FireLens router (its firelensConfiguration is filled): main
	// logs through it, so the router's type and options decide the generated config.
	app.FirelensConfiguration.Type = "fluentd"
	main := spec.ContainerDefinition{Name: "main", Image: "example/main:1", Memory: new(256),
		DependsOn:        []spec.ContainerDependency{{ContainerName: "app", Condition: "HEALTHY"}},
		LogConfiguration: &spec.LogConfiguration{LogDriver: "awsfirelens", Options: map[string]string{"Name": "stdout"}}}
	td.ContainerDefinitions = []spec.ContainerDefinition{app, offline, main}
	return td
}

func fullService(strategy string) spec.Service {
	var s spec.Service
	fillNonZero(reflect.ValueOf(&s).Elem())
	s.ServiceName = "web"
	s.SchedulingStrategy = strategy
	s.DesiredCount = new(4)
	s.LaunchType = "FARGATE"
	dc := s.DeploymentConfiguration
	dc.MinimumHealthyPercent, dc.MaximumPercent = new(50), new(150)
	dc.Strategy = "BLUE_GREEN"
	dc.DeploymentCircuitBreaker.ThresholdConfiguration = &spec.ThresholdConfiguration{Type: "COUNT", Value: 5}
	dc.DeploymentCircuitBreaker.ResetOnHealthyTask = new(false)
	s.DeploymentController.Type = "CODE_DEPLOY"
	s.PlacementStrategy = []spec.PlacementStrategy{{Type: "spread", Field: "attribute:ecs.availability-zone"}, {Type: "binpack", Field: "memory"}}
	s.PlacementConstraints = []spec.PlacementConstraint{{Type: "distinctInstance"}, {Type: "memberOf", Expression: "attribute:rack == r1"}}
	s.PropagateTags = "SERVICE"
	s.AvailabilityZoneRebalancing = "ENABLED"
	s.LoadBalancers[0].TargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1"
	s.LoadBalancers[0].ContainerName, s.LoadBalancers[0].ContainerPort = "app", new(8080)
	s.ServiceConnectConfiguration = json.RawMessage(`{"enabled": true, "namespace": "shop", "services": [{"portName": "web", "clientAliases": [{"dnsName": "web", "port": 80}]}]}`)
	return s
}

// outcome is what a translation produced, compared as text.
func outcome(t *testing.T, td spec.TaskDefinition, svc spec.Service) string {
	t.Helper()
	// Normalized as the loader does, so that a value normalization erases counts as absent.
	spec.NormalizeTaskDefinition(&td)
	spec.NormalizeService(&svc)
	d, doc := desiredFor(td, svc)
	tr, err := Translate(d, doc, TranslateOptions{Source: "s"})
	if err != nil {
		return "error: " + err.Error()
	}
	job, err := JobJSON(tr.Job)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.Write(job)
	// The rollout as the plan shows it; not the spec hash, which every input changes.
	fmt.Fprintf(&b, "\n%+v", tr.Rollout)
	for _, n := range tr.Fidelity {
		fmt.Fprintf(&b, "\n%s %s %s %s", n.Field, n.Level, n.Rule, n.Detail)
	}
	return b.String()
}

// noEffectOnPurpose lists the fields that rightly change neither the job nor the notes,
// with the reason.
var noEffectOnPurpose = map[string]string{
	"task definition family": "the service's taskDefinition names the task definition; the job is named after the service",
	"service taskDefinition": "selects the task definition (the lookup is tested elsewhere); the test pairs them by hand",
}

// notedAsWhole reports whether path is a sub-field of an object that the registry
// translates or drops as one (an entry marked whole) and that object has a note: the
// note speaks for its sub-fields.
func notedAsWhole(t *testing.T, kind, path string, shape int) bool {
	reg := taskDefinitionFields
	if kind == "service" {
		reg = serviceFields
	}
	owner, ok := coveredBy(reg, path)
	if !ok || owner == path {
		return false
	}
	shapes := []struct{ network, strategy string }{{"awsvpc", "REPLICA"}, {"host", "DAEMON"}, {"bridge", "REPLICA"}}
	d, doc := desiredFor(fullTask(shapes[shape].network), fullService(shapes[shape].strategy))
	tr, err := Translate(d, doc, TranslateOptions{})
	if err != nil {
		return false
	}
	for _, n := range tr.Fidelity {
		if fieldPattern(n.Field) == owner {
			return true
		}
	}
	return false
}

// fieldPattern turns a note's field ("containerDefinitions[app].secrets",
// "loadBalancers[0]") into its registry path ("containerDefinitions[].secrets",
// "loadBalancers").
func fieldPattern(field string) string {
	var b strings.Builder
	for i := 0; i < len(field); i++ {
		if field[i] == '[' {
			j := strings.IndexByte(field[i:], ']')
			if j < 0 {
				break
			}
			i += j
			if i+1 < len(field) {
				b.WriteString("[]")
			}
			continue
		}
		b.WriteByte(field[i])
	}
	return b.String()
}

// TestEveryFieldChangesJobOrIsNoted is the ECS → Nomad completeness guard, like
// compose's TestEveryServiceKeyIsHandledOrReported: with every field of the task and
// service model set, clearing any one field must change the Nomad job or the fidelity
// notes. A field that changes neither is silently dropped. Each field passes if it
// matters in one of the shapes (a REPLICA awsvpc service, a DAEMON host-network one).
func TestEveryFieldChangesJobOrIsNoted(t *testing.T) {
	shapes := []struct {
		network, strategy string
	}{{"awsvpc", "REPLICA"}, {"host", "DAEMON"}, {"bridge", "REPLICA"}}
	check := func(kind string, paths []string, effect func(shape int, path []string) bool) {
		for _, p := range paths {
			if _, ok := noEffectOnPurpose[kind+" "+p]; ok {
				continue
			}
			matters := false
			for s := range shapes {
				if notedAsWhole(t, kind, p, s) {
					matters = true
					break
				}
				if effect(s, strings.Split(p, ".")) {
					matters = true
					break
				}
			}
			if !matters {
				t.Errorf("%s field %s is set but changes neither the job nor the fidelity notes: translate it or note it", kind, p)
			}
		}
	}
	check("task definition", modelPaths("", reflect.TypeOf(spec.TaskDefinition{})), func(s int, path []string) bool {
		td, svc := fullTask(shapes[s].network), fullService(shapes[s].strategy)
		base := outcome(t, td, svc)
		zeroPath(reflect.ValueOf(&td).Elem(), path)
		return outcome(t, td, svc) != base
	})
	check("service", modelPaths("", reflect.TypeOf(spec.Service{})), func(s int, path []string) bool {
		td, svc := fullTask(shapes[s].network), fullService(shapes[s].strategy)
		base := outcome(t, td, svc)
		zeroPath(reflect.ValueOf(&svc).Elem(), path)
		return outcome(t, td, svc) != base
	})
}
