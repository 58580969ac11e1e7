package nomadjob

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// The fidelity registry: one entry per field of the ECS model (spec.TaskDefinition and
// spec.Service), keyed by its JSON path ("containerDefinitions[].links"). An entry says
// how faithfully the field is carried into the Nomad job, what it becomes there and what
// a user would notice when it is not exact. TestFidelityRegistryCoversModel fails for a
// model field without an entry, TestEveryFieldChangesJobOrIsNoted for a field that is
// neither translated nor noted, and docs/mapping.md's field tables are generated from it.
//
// Fields that no translation step reads carry a note of their own (fieldRule.note): the
// registry emits it when the field is set, so "not translated" is data, not a ladder of
// ifs. Fields with logic (health checks, dependsOn, volumes, placement, rollout) are
// noted by their translation step; their entry describes the mapping.

// fieldRule is the registry entry of one model field.
type fieldRule struct {
	level  spec.FidelityLevel // the field's class: exact, approximate, unsupported (not translated)
	nomad  string             // what the field becomes in the job; "" when nothing
	detail string             // the consequence a user notices when the field is not exact
	rule   string             // the fidelity rule of the field's notes
	// whole: the entry speaks for the field's sub-fields too (an object translated, or
	// dropped, as one).
	whole bool
	// note, when set, is emitted by the registry itself whenever the field is set.
	note *autoNote
}

// autoNote is a note the registry emits for a field that no translation step reads.
type autoNote struct {
	// when decides whether the field's value needs the note; nil means "is set"
	// (non-empty, non-nil, not JSON null).
	when func(v reflect.Value) bool
	// each: one note per element of a list, at path[i].
	each bool
	// level overrides the entry's level for the note (a field exact in general and
	// approximate for one value).
	level spec.FidelityLevel
	// text is the note's detail; a "%v" in it is replaced by the field's value.
	text string
}

// Constructors keep the tables short.
func exact(nomad string) fieldRule { return fieldRule{level: spec.FidelityExact, nomad: nomad} }

func approx(nomad, detail, rule string) fieldRule {
	return fieldRule{level: spec.FidelityApproximate, nomad: nomad, detail: detail, rule: rule}
}

func unsupported(detail string) fieldRule {
	return fieldRule{level: spec.FidelityUnsupported, detail: detail, rule: RuleUnsupported}
}

// noted makes the registry emit the entry's detail as a note whenever the field is set.
func (r fieldRule) noted() fieldRule { return r.notedWhen(nil) }

func (r fieldRule) notedWhen(when func(reflect.Value) bool) fieldRule {
	r.note = &autoNote{when: when, text: r.detail}
	return r
}

func (r fieldRule) notedEach() fieldRule {
	r.note = &autoNote{each: true, text: r.detail}
	return r
}

// notedAs emits a note with its own level and text when `when` holds (a field that is
// exact except for some values).
func (r fieldRule) notedAs(level spec.FidelityLevel, rule string, when func(reflect.Value) bool, text string) fieldRule {
	r.note = &autoNote{when: when, level: level, text: text}
	if rule != "" {
		r.rule = rule
	}
	return r
}

func (r fieldRule) covers() fieldRule { r.whole = true; return r }

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// Predicates for autoNote.when.
func isTrue(v reflect.Value) bool {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	return v.Kind() == reflect.Bool && v.Bool()
}

func equals(s string) func(reflect.Value) bool {
	return func(v reflect.Value) bool { return v.Kind() == reflect.String && v.String() == s }
}

func notIn(values ...string) func(reflect.Value) bool {
	return func(v reflect.Value) bool {
		return v.Kind() == reflect.String && v.String() != "" && !slices.Contains(values, v.String())
	}
}

func containsString(s string) func(reflect.Value) bool {
	return func(v reflect.Value) bool {
		strs, ok := v.Interface().([]string)
		return ok && slices.Contains(strs, s)
	}
}

// isSet is the default predicate: a value that is present in the input.
func isSet(v reflect.Value) bool {
	if v.Type() == rawMessageType {
		raw := v.Bytes()
		return len(raw) > 0 && string(raw) != "null"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() > 0
	}
	return !v.IsZero()
}

// registryNotes emits the registry's own notes for the task definition and the service.
func (t *translator) registryNotes() {
	noted := notedFields()
	root := fieldRef{fields: t.td.Positions(), file: t.td.Pos}
	for _, e := range noted.taskDefinition {
		t.emitRegistryNote(e.rule, reflect.ValueOf(&t.td.TaskDefinition).Elem(), e.steps, root)
	}
	root = fieldRef{fields: t.svc.Positions(), file: t.svc.Pos}
	for _, e := range noted.service {
		t.emitRegistryNote(e.rule, reflect.ValueOf(&t.svc.Service).Elem(), e.steps, root)
	}
}

// notedEntry is a registry entry with a note, its path resolved to struct field indexes
// once (translation runs for every service on every sync).
type notedEntry struct {
	rule  fieldRule
	steps []step
}

type step struct {
	name  string // JSON name
	index int    // struct field index
	list  bool   // the field is a list whose elements the rest of the path is in
}

var notedFields = sync.OnceValue(func() (n struct{ taskDefinition, service []notedEntry }) {
	n.taskDefinition = compileNoted(taskDefinitionFields, reflect.TypeOf(spec.TaskDefinition{}))
	n.service = compileNoted(serviceFields, reflect.TypeOf(spec.Service{}))
	return n
})

func compileNoted(reg map[string]fieldRule, root reflect.Type) []notedEntry {
	paths := make([]string, 0, len(reg))
	for p, r := range reg {
		if r.note != nil {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	out := make([]notedEntry, 0, len(paths))
	for _, p := range paths {
		typ := root
		var steps []step
		for _, seg := range strings.Split(p, ".") {
			for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
				typ = typ.Elem()
			}
			name, list := strings.CutSuffix(seg, "[]")
			i, ok := fieldIndexByJSONName(typ, name)
			if !ok {
				panic(fmt.Sprintf("fidelity registry: no field %q in %s", name, typ))
			}
			steps = append(steps, step{name: name, index: i, list: list})
			typ = typ.Field(i).Type
		}
		out = append(out, notedEntry{rule: reg[p], steps: steps})
	}
	return out
}

// emitRegistryNote follows the path from struct v and notes the field wherever its value
// needs it. ref is the place of v.
func (t *translator) emitRegistryNote(r fieldRule, v reflect.Value, path []step, ref fieldRef) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	f := v.Field(path[0].index)
	if len(path) > 1 || path[0].list {
		if !isSet(f) {
			return // nothing below an absent object or an empty list
		}
	}
	ref = ref.childOf(path[0].name)
	if path[0].list {
		for i := 0; i < f.Len(); i++ {
			t.emitRegistryNote(r, f.Index(i), path[1:], ref.index(i, f.Index(i)))
		}
		return
	}
	if len(path) > 1 {
		t.emitRegistryNote(r, f, path[1:], ref)
		return
	}
	n := r.note
	when := n.when
	if when == nil {
		when = isSet
	}
	level := n.level
	if level == "" {
		level = r.level
	}
	rule := r.rule
	if rule == "" {
		rule = RuleApproximate
	}
	emit := func(ref fieldRef, v reflect.Value) {
		text := n.text
		if strings.Contains(text, "%v") {
			text = strings.ReplaceAll(text, "%v", fmt.Sprint(v.Interface()))
		}
		t.notes.add(ref, level, rule, "%s", text)
	}
	if n.each {
		for i := 0; i < f.Len(); i++ {
			emit(ref.indexed(i), f.Index(i))
		}
		return
	}
	if when(f) {
		emit(ref, f)
	}
}

// childOf is child for a reference that may still be the document root.
func (r fieldRef) childOf(name string) fieldRef {
	if r.pos == "" {
		r.display, r.pos = name, name
		return r
	}
	return r.child(name)
}

// index steps into element i of a list; containers are displayed by name, as every
// other note does.
func (r fieldRef) index(i int, elem reflect.Value) fieldRef {
	if c, ok := elem.Addr().Interface().(*spec.ContainerDefinition); ok && r.pos == "containerDefinitions" {
		r.display += "[" + c.Name + "]"
		r.pos += fmt.Sprintf("[%d]", i)
		return r
	}
	return r.indexed(i)
}

func (r fieldRef) indexed(i int) fieldRef {
	r.display += fmt.Sprintf("[%d]", i)
	r.pos += fmt.Sprintf("[%d]", i)
	return r
}

// fieldByJSONName returns the field of struct v whose JSON name is name.
func fieldByJSONName(v reflect.Value, name string) (reflect.Value, bool) {
	if i, ok := fieldIndexByJSONName(v.Type(), name); ok {
		return v.Field(i), true
	}
	return reflect.Value{}, false
}

func fieldIndexByJSONName(t reflect.Type, name string) (int, bool) {
	for i := 0; i < t.NumField(); i++ {
		if jsonName(t.Field(i)) == name {
			return i, true
		}
	}
	return 0, false
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}
