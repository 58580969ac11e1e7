package compose

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// Origin is the spec.TaskDefinitionDoc/ServiceDoc origin of converted documents.
const Origin = "compose"

// Result is a converted compose project, sorted by family and service name.
type Result struct {
	TaskDefinitions []*spec.TaskDefinitionDoc
	Services        []*spec.ServiceDoc
}

var reFamily = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// familyName is the task-definition family (and default ECS service name) of a compose
// service or x-ecsgit task: <project>-<name>, in the ECS family charset.
func familyName(project, name string) string {
	f := reFamily.ReplaceAllString(project+"-"+name, "-")
	if len(f) > 255 {
		f = f[:255]
	}
	return f
}

// group is the compose services that become one task definition and one ECS service.
type group struct {
	family  string
	members []*svcConv // sorted by compose service name
}

// Convert turns a loaded project into task definitions and services. Errors (a build-only
// service, an invalid x-ecsgit, a dependency ECS cannot express) are returned as
// diagnostics naming the service and key; the services they concern are left out, the
// rest is converted. Output is deterministic.
func Convert(p *Project) (*Result, spec.Diagnostics) {
	var diags spec.Diagnostics
	groups, byFamily := map[string]*group{}, []string{}
	names := sortedKeys(map[string]types.ServiceConfig(p.Services))
	for _, name := range names {
		s := &svcConv{ix: p.index, project: p.Project, name: name, svc: p.Services[name], fields: spec.PosMap{}}
		x, err := decodeExtension(s.svc.Extensions[ExtensionKey])
		if err != nil {
			s.errorf(RuleExtension, ExtensionKey, "%v", err)
			diags = append(diags, s.diags...)
			continue
		}
		s.x = x
		key := "service:" + name
		fam := familyName(p.Name, name)
		if x.Task != "" {
			key, fam = "task:"+x.Task, familyName(p.Name, x.Task)
		}
		g, ok := groups[key]
		if !ok {
			g = &group{family: fam}
			groups[key] = g
			byFamily = append(byFamily, key)
		}
		g.members = append(g.members, s)
	}
	sort.Slice(byFamily, func(i, j int) bool { return groups[byFamily[i]].family < groups[byFamily[j]].family })

	// The ECS service each compose service ends up in, for depends_on across services.
	serviceOf := map[string]string{}
	for _, key := range byFamily {
		g := groups[key]
		name := g.family
		for _, m := range g.members {
			if m.x.ServiceName != "" {
				name = m.x.ServiceName
			}
		}
		for _, m := range g.members {
			serviceOf[m.name] = name
		}
	}

	res := &Result{}
	families := map[string]string{}
	for _, key := range byFamily {
		g := groups[key]
		if other, dup := families[g.family]; dup {
			m := g.members[0]
			m.errorf(RuleGroupConflict, "", "the task-definition family %q is also produced by %s; rename the service or the x-ecsgit task", g.family, other)
			diags = append(diags, m.diags...)
			continue
		}
		families[g.family] = key
		td, svc, d := convertGroup(g, serviceOf)
		diags = append(diags, d...)
		if td != nil {
			res.TaskDefinitions = append(res.TaskDefinitions, td)
			res.Services = append(res.Services, svc)
		}
	}
	sort.Slice(res.Services, func(i, j int) bool { return res.Services[i].ServiceName < res.Services[j].ServiceName })
	diags = append(diags, projectLevel(p)...)
	diags.Sort()
	return res, diags
}

// convertGroup builds one task definition and one service from the compose services of
// a group. It returns nil documents when any of them was refused.
func convertGroup(g *group, serviceOf map[string]string) (*spec.TaskDefinitionDoc, *spec.ServiceDoc, spec.Diagnostics) {
	grouped := len(g.members) > 1
	byName := map[string]*svcConv{}
	for i, m := range g.members {
		m.grouped, m.cidx = grouped, i
		byName[m.name] = m
		m.convertContainer()
		if m.x.Essential != nil {
			m.c.Essential = m.x.Essential
		}
	}
	var partials []spec.Service
	var after []string
	for _, m := range g.members {
		partials = append(partials, m.deploy())
		after = append(after, m.dependencies(serviceOf, byName)...)
		m.checkUnhandled()
	}
	first := g.members[0]
	tdPos := first.pos("")
	td := &spec.TaskDefinitionDoc{Pos: tdPos, Fields: spec.PosMap{"": tdPos, "family": tdPos}, Origin: Origin}
	svc := &spec.ServiceDoc{Pos: tdPos, Fields: spec.PosMap{"": tdPos, "serviceName": tdPos, "taskDefinition": tdPos}, Origin: Origin}
	td.Family = g.family
	var diags spec.Diagnostics
	for _, m := range g.members {
		td.ContainerDefinitions = append(td.ContainerDefinitions, m.c)
		for k, v := range m.fields {
			td.Fields[k] = v
		}
		td.Fidelity = append(td.Fidelity, m.taskNotes...)
		svc.Fidelity = append(svc.Fidelity, m.svcNotes...)
		diags = append(diags, m.diags...)
	}
	mergeTaskLevel(g, td, &diags)
	if !anyEssential(td) {
		first.errorf(RuleValue, ExtensionKey, "no container of task %q is essential; ECS needs at least one", g.family)
		diags = append(diags, first.diags[len(first.diags)-1])
	}
	svc.ServiceName = serviceOf[first.name]
	svc.TaskDefinition = g.family
	mergeServiceLevel(g, partials, &svc.Service, &diags)
	svc.After = dedupe(after)
	sortNotes(td.Fidelity)
	sortNotes(svc.Fidelity)
	if diags.HasErrors(false) {
		return nil, nil, diags
	}
	return td, svc, diags
}

func anyEssential(td *spec.TaskDefinitionDoc) bool {
	for i := range td.ContainerDefinitions {
		if td.ContainerDefinitions[i].IsEssential() {
			return true
		}
	}
	return false
}

// mergeTaskLevel combines what each container contributes to the task: network, PID and
// IPC modes, platform and volumes. Containers of one task must agree.
func mergeTaskLevel(g *group, td *spec.TaskDefinitionDoc, diags *spec.Diagnostics) {
	pick := func(field, k string, get func(*svcConv) string) string {
		val, from := "", ""
		for _, m := range g.members {
			v := get(m)
			switch {
			case v == "":
			case val == "":
				val, from = v, m.name
			case v != val:
				m.errorf(RuleGroupConflict, k, "%s %q differs from %q of %q in the same task", field, v, val, from)
				*diags = append(*diags, m.diags[len(m.diags)-1])
			}
		}
		return val
	}
	td.NetworkMode = pick("network mode", "network_mode", func(m *svcConv) string { return m.networkMode })
	td.PidMode = pick("pid mode", "pid", func(m *svcConv) string { return m.pidMode })
	td.IpcMode = pick("ipc mode", "ipc", func(m *svcConv) string { return m.ipcMode })
	plat := pick("platform", "platform", func(m *svcConv) string {
		if m.platform == nil {
			return ""
		}
		return m.platform.OperatingSystemFamily + "/" + m.platform.CpuArchitecture
	})
	if plat != "" {
		os, arch, _ := strings.Cut(plat, "/")
		td.RuntimePlatform = &spec.RuntimePlatform{OperatingSystemFamily: os, CpuArchitecture: arch}
	}
	seen := map[string]bool{}
	for _, m := range g.members {
		for _, v := range m.volumes {
			if !seen[v.Name] {
				seen[v.Name] = true
				td.Volumes = append(td.Volumes, v)
			}
		}
	}
	sort.Slice(td.Volumes, func(i, j int) bool { return td.Volumes[i].Name < td.Volumes[j].Name })
}

// mergeServiceLevel combines the service settings of the compose services of one task:
// the first that sets a field gives it, a different value elsewhere is an error (the
// task is scaled and rolled out as one).
func mergeServiceLevel(g *group, parts []spec.Service, out *spec.Service, diags *spec.Diagnostics) {
	type fieldOf struct {
		name string
		get  func(*spec.Service) any
		set  func(dst, src *spec.Service)
	}
	fields := []fieldOf{
		{"desiredCount (deploy.replicas)", func(s *spec.Service) any { return s.DesiredCount }, func(d, s *spec.Service) { d.DesiredCount = s.DesiredCount }},
		{"schedulingStrategy (deploy.mode)", func(s *spec.Service) any { return s.SchedulingStrategy }, func(d, s *spec.Service) { d.SchedulingStrategy = s.SchedulingStrategy }},
		{"deploymentConfiguration (deploy.update_config)", func(s *spec.Service) any { return s.DeploymentConfiguration }, func(d, s *spec.Service) { d.DeploymentConfiguration = s.DeploymentConfiguration }},
		{"placementStrategy", func(s *spec.Service) any { return s.PlacementStrategy }, func(d, s *spec.Service) { d.PlacementStrategy = s.PlacementStrategy }},
		{"placementConstraints", func(s *spec.Service) any { return s.PlacementConstraints }, func(d, s *spec.Service) { d.PlacementConstraints = s.PlacementConstraints }},
		{"tags (deploy.labels)", func(s *spec.Service) any { return s.Tags }, func(d, s *spec.Service) { d.Tags = s.Tags }},
	}
	for _, f := range fields {
		var val []byte
		from := ""
		for i := range parts {
			v, _ := json.Marshal(f.get(&parts[i]))
			if string(v) == "null" || string(v) == `""` {
				continue
			}
			if from == "" {
				val, from = v, g.members[i].name
				f.set(out, &parts[i])
				continue
			}
			if string(v) != string(val) && explicitService(g.members[i]) {
				m := g.members[i]
				m.errorf(RuleGroupConflict, "deploy", "%s %s differs from %s of %q; services in one task are scaled and deployed together", f.name, v, val, from)
				*diags = append(*diags, m.diags[len(m.diags)-1])
			}
		}
	}
}

// explicitService reports whether a grouped service sets any service-level key itself
// (a member that sets nothing inherits the group's settings without conflict).
func explicitService(m *svcConv) bool {
	x := m.x
	return m.svc.Deploy != nil || m.svc.Scale != nil || x.DesiredCount != nil || x.MinimumHealthyPercent != nil ||
		x.MaximumPercent != nil || x.CircuitBreaker != nil || len(x.PlacementStrategy) > 0 || len(x.PlacementConstraints) > 0
}

func dedupe(in []string) []string {
	sort.Strings(in)
	var out []string
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func sortNotes(ns []spec.FidelityNote) {
	sort.SliceStable(ns, func(i, j int) bool {
		if ns[i].Field != ns[j].Field {
			return ns[i].Field < ns[j].Field
		}
		return ns[i].Detail < ns[j].Detail
	})
}

// projectLevel reports top-level elements that have no place in ECS.
func projectLevel(p *Project) spec.Diagnostics {
	var out spec.Diagnostics
	warn := func(k, msg string) {
		out = append(out, spec.Diagnostic{Pos: p.index.at(k), Severity: spec.SeverityWarning, Rule: RuleLoadWarning, Message: fmt.Sprintf("%s: %s", k, msg)})
	}
	for _, n := range sortedKeys(p.Jobs) {
		warn("jobs."+n, "compose jobs are not translated: ECS services keep tasks running")
	}
	for _, n := range sortedKeys(p.Models) {
		warn("models."+n, "compose models are not translated")
	}
	return out
}
