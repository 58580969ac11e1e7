package spec

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// assembler collects decoded documents into a Desired, applying normalization, per-document
// validation and the cross-document rules.
type assembler struct {
	d          *Desired
	familyFile map[string]string
	svcFile    map[string]string
	unchecked  map[any]bool // documents with decoding errors: no semantic rules
	// broken are the files with errors that contributed no family or service: a
	// reference that resolves nowhere may be a consequence of one of them.
	broken []brokenFile
	// scaling are the Application Auto Scaling definitions, attached to their services
	// by finish.
	scaling []*ScalingDoc
	// relativeNames: LoadOptions.RelativeNames.
	relativeNames bool
}

// name is how positions name the repository file rel.
func (a *assembler) name(rel string) string {
	if a.relativeNames {
		return rel
	}
	return filepath.Join(a.d.Root, filepath.FromSlash(rel))
}

// brokenFile is a file whose family or serviceName is unknown because it has errors. A
// file that is not valid JSON may still give its names (salvageNames); without them it
// may be anything.
type brokenFile struct {
	name                string
	family, serviceName string
	anyFamily           bool
	anyService          bool
}

func newAssembler(root string, cfg Config, relativeNames bool) *assembler {
	return &assembler{
		relativeNames: relativeNames,
		d:             &Desired{Root: root, Config: cfg, TaskDefinitions: map[string]*TaskDefinitionDoc{}},
		familyFile:    map[string]string{},
		svcFile:       map[string]string{},
		unchecked:     map[any]bool{},
	}
}

// add takes one file's result. A document with decoding errors is kept (so that references
// to it resolve) but not validated: rules run on a partially decoded struct would report
// consequences of the decoding error (a mistyped "memory" is not a missing memory).
func (a *assembler) add(r fileResult) {
	if r.kind != DocOther {
		a.d.Files = append(a.d.Files, r.rel)
	}
	a.d.Diagnostics = append(a.d.Diagnostics, r.diags...)
	validate := !r.diags.HasErrors(false)
	if !validate {
		a.addBroken(r)
	}
	// Task definitions and services were normalized and checked on their own by the
	// file's decoding worker (checkDocument); here they only join the repository.
	a.d.Diagnostics = append(a.d.Diagnostics, r.checks...)
	if r.td != nil {
		a.registerTaskDefinition(r.td, validate)
	}
	if r.svc != nil {
		a.registerService(r.svc, validate)
	}
	a.addELB(r, validate)
	if r.scale != nil {
		if validate {
			ds := validateScaling(r.scale)
			a.d.Diagnostics = append(a.d.Diagnostics, ds...)
			if r.scale.Alarm != nil && ds.HasErrors(false) {
				a.unchecked[r.scale] = true // its actions are not linked: no follow-on errors
			}
		} else {
			a.unchecked[r.scale] = true
		}
		a.scaling = append(a.scaling, r.scale)
	}
	if r.sched != nil {
		a.addSchedule(r.sched, validate)
	}
}

func (a *assembler) addBroken(r fileResult) {
	b := brokenFile{name: a.name(r.rel), family: r.family, serviceName: r.serviceName}
	switch {
	case r.td != nil:
		if r.td.Family != "" {
			return // it defines its family, errors and all
		}
		b.anyFamily = true
	case r.svc != nil:
		if r.svc.ServiceName != "" {
			return
		}
		b.anyService = true
	case b.family == "" && b.serviceName == "": // unreadable, or broken before its names
		b.anyFamily, b.anyService = true, true
	}
	a.broken = append(a.broken, b)
}

// brokenFor lists the broken files that may define the family (or, with service, the
// service) name.
func (a *assembler) brokenFor(name string, service bool) []string {
	var files []string
	for _, b := range a.broken {
		if service && (b.anyService || b.serviceName == name) || !service && (b.anyFamily || b.family == name) {
			files = append(files, b.name)
		}
	}
	return files
}

// followOn marks dg as a possible consequence of errors in files, and says so.
func followOn(dg Diagnostic, files []string) Diagnostic {
	if len(files) == 0 {
		return dg
	}
	verb := "has errors"
	if len(files) > 1 {
		verb = "have errors"
	}
	dg.Message += fmt.Sprintf("; %s %s and may define it: fix that first", strings.Join(files, ", "), verb)
	dg.FollowOn = true
	return dg
}

// checkTaskDefinition normalizes td and, when its file decoded without errors (validate),
// runs the rules that need only td. It depends on nothing but td, so it runs in the
// decoding workers and its outcome can be reused while the file does not change
// (FileCache).
func checkTaskDefinition(td *TaskDefinitionDoc, validate bool) Diagnostics {
	var ds Diagnostics
	if validate {
		ds = coerceWarnings(td)
	}
	NormalizeTaskDefinition(&td.TaskDefinition)
	if validate {
		ds = append(ds, ValidateTaskDefinition(td)...)
	}
	return ds
}

// checkService is checkTaskDefinition for a service.
func checkService(s *ServiceDoc, validate bool) Diagnostics {
	NormalizeService(&s.Service)
	if validate {
		return ValidateService(s)
	}
	return nil
}

func (a *assembler) addTaskDefinition(td *TaskDefinitionDoc, validate bool) {
	a.d.Diagnostics = append(a.d.Diagnostics, checkTaskDefinition(td, validate)...)
	a.registerTaskDefinition(td, validate)
}

// registerTaskDefinition adds a checked task definition to the repository (the
// cross-file rules: one definition per family).
func (a *assembler) registerTaskDefinition(td *TaskDefinitionDoc, validate bool) {
	if !validate {
		a.unchecked[td] = true
	}
	if td.Family == "" {
		return // reported by validation; it cannot be referenced
	}
	if first, dup := a.familyFile[td.Family]; dup {
		a.errorf(td.Positions().At("family"), RuleDuplicateFamily, "family %q is already defined in %s", td.Family, first)
		return
	}
	a.familyFile[td.Family] = td.Pos.File
	a.d.TaskDefinitions[td.Family] = td
}

func (a *assembler) addService(s *ServiceDoc, validate bool) {
	a.d.Diagnostics = append(a.d.Diagnostics, checkService(s, validate)...)
	a.registerService(s, validate)
}

func (a *assembler) registerService(s *ServiceDoc, validate bool) {
	if !validate {
		a.unchecked[s] = true
	}
	if s.ServiceName == "" {
		return
	}
	if first, dup := a.svcFile[s.ServiceName]; dup {
		a.errorf(s.Positions().At("serviceName"), RuleDuplicateService, "serviceName %q is already defined in %s", s.ServiceName, first)
		return
	}
	a.svcFile[s.ServiceName] = s.Pos.File
	a.d.Services = append(a.d.Services, s)
}

func (a *assembler) addCompose(files []string, loader ComposeLoader) {
	if len(files) == 0 {
		return
	}
	a.d.Files = append(a.d.Files, files...)
	if loader == nil {
		for _, f := range files {
			a.d.Diagnostics = append(a.d.Diagnostics, Diagnostic{Pos: Pos{File: a.name(f)}, Severity: SeverityNote,
				Rule: RuleComposeSkipped, Message: "compose file skipped: this build has no compose support wired in"})
		}
		return
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(a.d.Root, filepath.FromSlash(f))
	}
	tds, svcs, diags := loader(a.d.Root, paths, a.d.Config)
	a.d.Diagnostics = append(a.d.Diagnostics, diags...)
	for _, td := range tds {
		a.addTaskDefinition(td, true)
	}
	for _, s := range svcs {
		a.addService(s, true)
	}
}

func (a *assembler) errorf(pos Pos, rule, format string, args ...any) {
	a.d.Diagnostics = append(a.d.Diagnostics, diag(pos, SeverityError, rule, format, args...))
}

// finish applies the rules that need the whole repository.
func (a *assembler) finish() *Desired {
	d := a.d
	a.finishELB()
	a.finishServiceConnect()
	for _, family := range mapKeys(d.TaskDefinitions) {
		a.checkSecretRefs(d.TaskDefinitions[family])
	}
	for _, s := range d.Services {
		a.checkServiceRefs(s)
		if set, ok := d.Config.Services[s.ServiceName]; ok && len(set.After) > 0 {
			s.After = append(slices.Clone(set.After), s.After...)
		}
		if set, ok := d.Config.Services[s.ServiceName]; ok && len(set.PreDeploy) > 0 {
			a.checkPreDeploy(s, set.PreDeploy)
		}
	}
	a.attachScaling()
	a.scheduleServices()
	for name := range d.Config.Services {
		if _, ok := a.svcFile[name]; !ok {
			d.Diagnostics = append(d.Diagnostics, followOn(diag(Pos{File: path.Join(d.Root, ConfigFileName)}, SeverityWarning, RuleConfigService,
				"services.%s: no service named %q in the repository", name, name), a.brokenFor(name, true)))
		}
	}
	return d
}

// checkServiceRefs checks the task definition reference and the rules that need both the
// service and the task definition it runs.
func (a *assembler) checkServiceRefs(s *ServiceDoc) {
	if s.TaskDefinition == "" {
		return // reported by ValidateService
	}
	td := a.d.TaskDefinitionFor(s)
	if td != nil && (a.unchecked[s] || a.unchecked[td]) {
		return
	}
	fam := FamilyOf(s.TaskDefinition)
	if rev, pinned := revisionOf(s.TaskDefinition); pinned {
		// ecsgit numbers revisions itself (one per distinct content of the family in the
		// repository), so a pin names a revision it cannot promise to be the one it
		// deploys. Refused rather than silently deploying another revision.
		if td != nil {
			a.errorf(s.Positions().At("taskDefinition"), RulePinnedRevision,
				"taskDefinition %q pins revision %s, but ecsgit deploys the definition of family %q in this repository and numbers its revisions itself, so revision %s may not be what runs; write %q (to run an earlier revision again, use 'ecsgit rollback')",
				s.TaskDefinition, rev, fam, rev, fam)
		} else {
			a.errorf(s.Positions().At("taskDefinition"), RulePinnedRevision,
				"taskDefinition %q pins revision %s of family %q, which is not in this repository; ecsgit deploys only task definitions it reads from the repository: add the task definition and write %q",
				s.TaskDefinition, rev, fam, fam)
			return
		}
	}
	if td == nil {
		msg := "taskDefinition %q: no task definition with family %q in the repository (add it)"
		if near := suggest(fam, mapKeys(a.d.TaskDefinitions)); near != "" {
			msg += "; did you mean " + `"` + near + `"?`
		}
		dg := diag(s.Positions().At("taskDefinition"), SeverityError, RuleMissingFamily, msg, s.TaskDefinition, fam)
		a.d.Diagnostics = append(a.d.Diagnostics, followOn(dg, a.brokenFor(fam, false)))
		return
	}
	a.d.Diagnostics = append(a.d.Diagnostics, validateServiceWithTask(s, td)...)
}

// revisionOf returns the revision a "family:N" reference (or ARN) pins.
func revisionOf(ref string) (string, bool) {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	_, rev, ok := strings.Cut(ref, ":")
	return rev, ok
}

// finish sorts everything that has an order.
func (d *Desired) finish() {
	slices.SortFunc(d.Services, func(x, y *ServiceDoc) int { return strings.Compare(x.ServiceName, y.ServiceName) })
	slices.SortStableFunc(d.LoadBalancers, func(x, y *LoadBalancerDoc) int { return strings.Compare(x.Name, y.Name) })
	slices.SortStableFunc(d.TargetGroups, func(x, y *TargetGroupDoc) int { return strings.Compare(x.Name, y.Name) })
	slices.SortStableFunc(d.Listeners, func(x, y *ListenerDoc) int { return strings.Compare(x.Key(), y.Key()) })
	slices.SortStableFunc(d.Rules, func(x, y *RuleDoc) int {
		if c := strings.Compare(x.Listener, y.Listener); c != 0 {
			return c
		}
		return intOrZero(x.Priority) - intOrZero(y.Priority)
	})
	slices.Sort(d.Files)
	d.Files = slices.Compact(d.Files)
	d.Diagnostics.Sort()
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func diag(pos Pos, sev Severity, rule, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Severity: sev, Rule: rule, Message: sprintf(format, args...)}
}

// checkPreDeploy checks a service's pre-deploy tasks against the repository (a family
// it holds, overrides naming its containers) and attaches them to the service.
func (a *assembler) checkPreDeploy(s *ServiceDoc, tasks []PreDeployTask) {
	for i, t := range tasks {
		if t.TaskDefinition == "" {
			continue // reported by ParseConfig
		}
		at := fmt.Sprintf("services.%s.preDeploy[%d]", s.ServiceName, i)
		if _, pinned := revisionOf(t.TaskDefinition); pinned {
			a.errorf(t.Pos, RulePreDeploy, "%s: taskDefinition %q pins a revision; write the family (ecsgit runs the definition the repository holds)", at, t.TaskDefinition)
			continue
		}
		td := a.d.TaskDefinitions[t.TaskDefinition]
		if td == nil {
			a.errorf(t.Pos, RulePreDeploy, "%s: no task definition of family %q in the repository", at, t.TaskDefinition)
			continue
		}
		if _, err := ApplyOverrides(td.TaskDefinition, t.Overrides); err != nil {
			a.errorf(t.Pos, RulePreDeploy, "%s: %v", at, err)
			continue
		}
		s.PreDeploy = append(s.PreDeploy, t)
	}
}
