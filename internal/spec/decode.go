package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Rule IDs of the decoder. Every rule is documented in docs/validation-rules.md.
const (
	RuleSyntax        = "ECS-JSON-001" // not valid JSON (or YAML)
	RuleUnknownField  = "ECS-JSON-002" // a field the ECS API does not have
	RuleFieldCase     = "ECS-JSON-003" // a known field spelled with the wrong case
	RuleType          = "ECS-JSON-004" // a value of the wrong JSON type
	RuleDuplicateKey  = "ECS-JSON-005" // the same key twice in one object
	RuleReadOnlyField = "ECS-JSON-006" // describe-* output field, ignored (note)
	RuleValue         = "ECS-JSON-007" // a value that cannot be interpreted (cpu/memory units, integer range)
)

// decoder turns a node tree into model structs, matching fields by their exact json tag
// and recording every value's position. It never stops at the first problem: each one
// becomes a diagnostic, and the rest of the document is still decoded, so a user sees all
// problems of a file at once.
type decoder struct {
	fields PosMap
	diags  Diagnostics
}

func newDecoder() *decoder { return &decoder{fields: PosMap{}} }

func (d *decoder) errorf(pos Pos, rule, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Pos: pos, Severity: SeverityError, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) notef(pos Pos, rule, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{Pos: pos, Severity: SeverityNote, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

func (d *decoder) decode(n *node, v reflect.Value, path string) {
	d.fields[path] = n.pos
	t := v.Type()
	switch {
	case t == rawMessageType:
		if n.kind != kindNull {
			v.SetBytes(append(json.RawMessage(nil), jsonText(n)...))
		}
		return
	case t.Kind() == reflect.Pointer:
		if n.kind == kindNull {
			return
		}
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
		return
	case reflect.PointerTo(t).Implements(unmarshalerType):
		d.decodeUnmarshaler(n, v, path)
		return
	}
	switch t.Kind() {
	case reflect.String:
		if d.want(n, kindString, path, "string") {
			v.SetString(n.str)
		}
	case reflect.Bool:
		if d.want(n, kindBool, path, "boolean") {
			v.SetBool(n.str == "true")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		d.decodeInt(n, v, path)
	case reflect.Float64:
		if d.want(n, kindNumber, path, "number") {
			f, err := strconv.ParseFloat(n.str, 64)
			if err != nil {
				d.errorf(n.pos, RuleType, "%s: expected number, got %s", displayPath(path), describe(n))
				return
			}
			v.SetFloat(f)
		}
	case reflect.Interface:
		if n.kind != kindNull {
			v.Set(reflect.ValueOf(n.toAny()))
		}
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	default:
		// The model uses only the kinds above; reaching here is a programming error in the
		// model, reported rather than panicking on user input.
		d.errorf(n.pos, RuleType, "%s: cannot decode into Go type %s", displayPath(path), t)
	}
}

// want checks n's kind; null is accepted for every type and leaves the zero value.
func (d *decoder) want(n *node, k nodeKind, path, typeName string) bool {
	if n.kind == k {
		return true
	}
	if n.kind != kindNull {
		d.errorf(n.pos, RuleType, "%s: expected %s, got %s", displayPath(path), typeName, describe(n))
	}
	return false
}

func (d *decoder) decodeInt(n *node, v reflect.Value, path string) {
	if !d.want(n, kindNumber, path, "integer") {
		return
	}
	i, err := strconv.ParseInt(n.str, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.str, 64)
		if ferr == nil && f == float64(int64(f)) && f >= -1<<53 && f <= 1<<53 {
			i, err = int64(f), nil // 1.0 and 1e3 are integers too
		}
	}
	if err != nil || v.OverflowInt(i) {
		d.errorf(n.pos, RuleType, "%s: expected integer, got %s", displayPath(path), describe(n))
		return
	}
	v.SetInt(i)
}

func (d *decoder) decodeUnmarshaler(n *node, v reflect.Value, path string) {
	if n.kind != kindString && n.kind != kindNumber && n.kind != kindNull {
		d.errorf(n.pos, RuleType, "%s: expected number or string, got %s", displayPath(path), describe(n))
		return
	}
	if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(jsonText(n)); err != nil {
		d.errorf(n.pos, RuleValue, "%v", err) // the error names the field and value
	}
}

func (d *decoder) decodeSlice(n *node, v reflect.Value, path string) {
	if !d.want(n, kindArray, path, "array") {
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.elems), len(n.elems))
	for i, e := range n.elems {
		d.decode(e, s.Index(i), path+"["+strconv.Itoa(i)+"]")
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *node, v reflect.Value, path string) {
	if !d.want(n, kindObject, path, "object") {
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.members))
	for _, mem := range n.members {
		if m.MapIndex(reflect.ValueOf(mem.key)).IsValid() { // set by an earlier member
			d.errorf(mem.keyPos, RuleDuplicateKey, "%s: duplicate key %q", displayPath(path), mem.key)
			continue
		}
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(mem.val, ev, joinPath(path, mem.key))
		m.SetMapIndex(reflect.ValueOf(mem.key), ev)
	}
	v.Set(m)
}

func (d *decoder) decodeStruct(n *node, v reflect.Value, path string) {
	if !d.want(n, kindObject, path, "object") {
		return
	}
	d.eachMember(n, structInfoOf(v.Type()), path, func(mem member, idx []int) {
		d.decode(mem.val, v.FieldByIndex(idx), joinPath(path, mem.key))
		if sdk, ok := passThroughTypes[v.Type()][mem.key]; ok {
			d.checkPassThrough(mem.val, sdk, joinPath(path, mem.key))
		}
	})
}

// eachMember visits the members of object n that info knows, once each, with the field
// index; an unknown name (with a did-you-mean) and a duplicate key are reported here, for
// the model and for the SDK types of pass-through objects alike.
func (d *decoder) eachMember(n *node, info *structInfo, path string, visit func(mem member, idx []int)) {
	for i, mem := range n.members {
		idx, ok := info.byName[mem.key]
		if !ok {
			d.unknownField(info, mem, path)
			continue
		}
		if keySeen(n.members, i) {
			d.errorf(mem.keyPos, RuleDuplicateKey, "%s: duplicate key %q", displayPath(path), mem.key)
			continue
		}
		visit(mem, idx)
	}
}

// keySeen reports whether members[i]'s key stands earlier in members. A linear scan:
// objects in definitions have a few dozen members at most, and a set per object was an
// allocation per object of every file.
func keySeen(members []member, i int) bool {
	for _, m := range members[:i] {
		if m.key == members[i].key {
			return true
		}
	}
	return false
}

func (d *decoder) unknownField(info *structInfo, mem member, path string) {
	if right, ok := info.byLower[strings.ToLower(mem.key)]; ok {
		d.errorf(mem.keyPos, RuleFieldCase, "%s: unknown field %q: field names are case-sensitive, did you mean %q?", displayPath(path), mem.key, right)
		return
	}
	msg := fmt.Sprintf("%s: unknown field %q", displayPath(path), mem.key)
	if s := suggest(mem.key, info.names); s != "" {
		msg += fmt.Sprintf(": did you mean %q?", s)
	}
	d.errorf(mem.keyPos, RuleUnknownField, "%s", msg)
}

// structInfo is the json-tag view of a model struct, computed once per type.
type structInfo struct {
	byName  map[string][]int
	byLower map[string]string
	names   []string
}

var structInfos sync.Map // reflect.Type → *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string][]int{}, byLower: map[string]string{}}
	for _, f := range reflect.VisibleFields(t) {
		name := jsonName(f)
		if name == "" || f.Anonymous {
			continue
		}
		si.byName[name] = f.Index
		si.byLower[strings.ToLower(name)] = name
		si.names = append(si.names, name)
	}
	structInfos.Store(t, si)
	return si
}

// jsonName is the field's JSON name, or "" when the field is not part of the JSON form.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// jsonText returns the JSON source of n: its raw text for JSON input, or a re-encoding
// for nodes that came from YAML.
func jsonText(n *node) []byte {
	if n.raw != nil {
		return n.raw
	}
	b, _ := json.Marshal(n.toAny())
	return b
}

func (n *node) toAny() any {
	switch n.kind {
	case kindBool:
		return n.str == "true"
	case kindNumber:
		return json.Number(n.str)
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
			out[i] = e.toAny()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.members))
		for _, m := range n.members {
			out[m.key] = m.val.toAny()
		}
		return out
	}
	return nil
}

func describe(n *node) string {
	switch n.kind {
	case kindString:
		s := n.str
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return fmt.Sprintf("string %q", s)
	case kindNumber, kindBool:
		return fmt.Sprintf("%s %s", n.kind, n.str)
	}
	return n.kind.String()
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// displayPath names the document root in messages.
func displayPath(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}
