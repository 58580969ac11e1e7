package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The walk compares two normalized JSON trees. Where ECS gives an array set semantics,
// the array is compared by a key (arrayRules); everything else is compared structurally:
// objects field by field, arrays as one value (their order matters).

type ruleKind int

const (
	// ruleKeyed: elements are objects identified by the fields in keyFields; each becomes
	// "path[key]" and is compared field by field.
	ruleKeyed ruleKind = iota
	// ruleNameValue: elements are {name, value} pairs that act as a map: "path[name]".
	ruleNameValue
	// ruleSet: order does not matter; the array is one value, compared sorted.
	ruleSet
)

type arrayRule struct {
	kind      ruleKind
	keyFields []string // ruleKeyed: joined with "/"; ruleNameValue: {name, value}
}

// arrayRules holds the arrays with set semantics (CloudFormation insertionOrder: false)
// and the map-like {name,value} arrays, by path pattern ("[*]" stands for any key).
// Arrays not listed keep their order (command, entryPoint, environmentFiles, dnsServers,
// placementStrategy, healthCheck.command).
var arrayRules = map[string]arrayRule{
	"containerDefinitions":                                      {ruleKeyed, []string{"name"}},
	"containerDefinitions[*].environment":                       {ruleNameValue, []string{"name", "value"}},
	"containerDefinitions[*].secrets":                           {ruleKeyed, []string{"name"}},
	"containerDefinitions[*].portMappings":                      {ruleKeyed, []string{"containerPort", "protocol"}},
	"containerDefinitions[*].mountPoints":                       {ruleKeyed, []string{"containerPath"}},
	"containerDefinitions[*].volumesFrom":                       {ruleKeyed, []string{"sourceContainer"}},
	"containerDefinitions[*].dependsOn":                         {ruleKeyed, []string{"containerName"}},
	"containerDefinitions[*].ulimits":                           {ruleKeyed, []string{"name"}},
	"containerDefinitions[*].systemControls":                    {ruleKeyed, []string{"namespace"}},
	"containerDefinitions[*].extraHosts":                        {ruleKeyed, []string{"hostname"}},
	"containerDefinitions[*].resourceRequirements":              {ruleKeyed, []string{"type"}},
	"containerDefinitions[*].logConfiguration.secretOptions":    {ruleKeyed, []string{"name"}},
	"containerDefinitions[*].linuxParameters.devices":           {ruleKeyed, []string{"hostPath"}},
	"containerDefinitions[*].linuxParameters.tmpfs":             {ruleKeyed, []string{"containerPath"}},
	"containerDefinitions[*].links":                             {kind: ruleSet},
	"containerDefinitions[*].dockerSecurityOptions":             {kind: ruleSet},
	"containerDefinitions[*].linuxParameters.capabilities.add":  {kind: ruleSet},
	"containerDefinitions[*].linuxParameters.capabilities.drop": {kind: ruleSet},
	"containerDefinitions[*].restartPolicy.ignoredExitCodes":    {kind: ruleSet},
	"volumes":                       {ruleKeyed, []string{"name"}},
	"placementConstraints":          {kind: ruleSet}, // task definition and service
	"requiresCompatibilities":       {kind: ruleSet},
	"tags":                          {ruleNameValue, []string{"key", "value"}}, // both
	"proxyConfiguration.properties": {ruleNameValue, []string{"name", "value"}},
	"capacityProviderStrategy":      {ruleKeyed, []string{"capacityProvider"}},
	"loadBalancers":                 {kind: ruleSet},
	"serviceRegistries":             {kind: ruleSet},
}

// mapFields are JSON objects with user-chosen keys: their entries are "path[key]", and the
// key is what masking looks at.
var mapFields = map[string]bool{
	"containerDefinitions[*].dockerLabels":                  true,
	"containerDefinitions[*].logConfiguration.options":      true,
	"containerDefinitions[*].firelensConfiguration.options": true,
	"volumes[*].dockerVolumeConfiguration.driverOpts":       true,
	"volumes[*].dockerVolumeConfiguration.labels":           true,
}

type walker struct {
	out    []FieldChange
	forces func(path string) bool
}

func diffTrees(o, n any, forces func(string) bool) []FieldChange {
	w := walker{forces: forces}
	w.diff("", "", o, n)
	sortChanges(w.out)
	return w.out
}

// diff compares o and n at path; pattern is path with every key replaced by "[*]".
func (w *walker) diff(path, pattern string, o, n any) {
	if reflect.DeepEqual(o, n) {
		return
	}
	if rule, ok := arrayRules[pattern]; ok && isArrayOrNil(o) && isArrayOrNil(n) {
		switch rule.kind {
		case ruleSet:
			w.leaf(path, sortedSet(o), sortedSet(n))
			return
		case ruleNameValue:
			w.diffMap(path, pattern, nameValueMap(o, rule.keyFields), nameValueMap(n, rule.keyFields))
			return
		case ruleKeyed:
			om, ook, ok1 := keyedMap(o, rule.keyFields)
			nm, nok, ok2 := keyedMap(n, rule.keyFields)
			if ok1 && ok2 {
				w.diffKeyed(path, pattern, om, nm, ook, nok)
			} else { // duplicate or missing keys: compare as a set
				w.leaf(path, sortedSet(o), sortedSet(n))
			}
			return
		}
	}
	om, oIsObj := o.(map[string]any)
	nm, nIsObj := n.(map[string]any)
	if (oIsObj || o == nil) && (nIsObj || n == nil) {
		w.diffObject(path, pattern, om, nm, mapFields[pattern])
		return
	}
	w.leaf(path, o, n)
}

func (w *walker) diffObject(path, pattern string, o, n map[string]any, isMap bool) {
	if isMap {
		w.diffMap(path, pattern, o, n)
		return
	}
	for _, k := range unionKeys(o, n) {
		w.diff(join(path, k), join(pattern, k), o[k], n[k])
	}
}

// diffMap compares map entries as "path[key]"; the key is a user-chosen name (an
// environment variable, a label) that masking looks at (leafName).
func (w *walker) diffMap(path, pattern string, o, n map[string]any) {
	for _, k := range unionKeys(o, n) {
		w.diff(path+"["+formatKey(k)+"]", pattern+"[*]", o[k], n[k])
	}
}

// diffKeyed compares keyed elements field by field. An element that is nothing but its key
// (volumesFrom [{"sourceContainer":"db"}]) has no fields left to compare, so its addition
// or removal is one line with the whole element.
func (w *walker) diffKeyed(path, pattern string, o, n, oKeyOnly, nKeyOnly map[string]any) {
	for _, k := range unionKeys(o, n) {
		p := path + "[" + formatKey(k) + "]"
		switch {
		case o[k] == nil && nKeyOnly[k] != nil:
			w.leaf(p, nil, nKeyOnly[k])
		case n[k] == nil && oKeyOnly[k] != nil:
			w.leaf(p, oKeyOnly[k], nil)
		default:
			w.diff(p, pattern+"[*]", o[k], n[k])
		}
	}
}

func (w *walker) leaf(path string, o, n any) {
	ov, nv := renderValue(o), renderValue(n)
	if ov == nv { // e.g. sets that differ only in order
		return
	}
	kind := KindChanged
	switch {
	case o == nil:
		kind = KindAdded
	case n == nil:
		kind = KindRemoved
	}
	c := NewFieldChange(path, kind, ov, nv)
	c.ForcesReplacement = w.forces(path)
	w.out = append(w.out, c)
}

// renderValue: scalars plain, objects and arrays as compact JSON with sorted keys, absent
// as "".
func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<" stays "<" in a diff
	if err := enc.Encode(v); err != nil {
		return "<unrenderable>"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func isArrayOrNil(v any) bool {
	_, ok := v.([]any)
	return ok || v == nil
}

func sortedSet(v any) any {
	arr, _ := v.([]any)
	if arr == nil {
		return nil
	}
	type kv struct {
		key string
		v   any
	}
	es := make([]kv, len(arr))
	for i, e := range arr {
		es[i] = kv{renderValue(e), e}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].key < es[j].key })
	out := make([]any, 0, len(es))
	for i, e := range es {
		if i > 0 && e.key == es[i-1].key {
			continue // a set: duplicates do not count
		}
		out = append(out, e.v)
	}
	return out
}

// nameValueMap turns [{name,value}] into {name: value}; a later duplicate wins, as with
// Docker's environment.
func nameValueMap(v any, fields []string) map[string]any {
	arr, _ := v.([]any)
	if arr == nil {
		return nil
	}
	m := make(map[string]any, len(arr))
	for _, e := range arr {
		obj, _ := e.(map[string]any)
		if k, ok := obj[fields[0]].(string); ok {
			m[k] = obj[fields[1]]
		}
	}
	return m
}

// keyedMap turns an array of objects into {key: element without its key fields}, and
// keyOnly holds the elements that are nothing but their key. It reports false when an
// element lacks a key or a key repeats, so the caller can fall back to a set.
func keyedMap(v any, fields []string) (m, keyOnly map[string]any, ok bool) {
	arr, _ := v.([]any)
	if arr == nil {
		return nil, nil, true
	}
	m = make(map[string]any, len(arr))
	for _, e := range arr {
		obj, isObj := e.(map[string]any)
		if !isObj {
			return nil, nil, false
		}
		parts := make([]string, 0, len(fields))
		rest := make(map[string]any, len(obj))
		for k, v := range obj {
			rest[k] = v
		}
		for _, f := range fields {
			if obj[f] == nil {
				continue
			}
			parts = append(parts, renderValue(obj[f]))
			delete(rest, f)
		}
		if len(parts) == 0 {
			return nil, nil, false
		}
		key := strings.Join(parts, "/")
		if _, dup := m[key]; dup {
			return nil, nil, false
		}
		m[key] = rest
		if len(rest) == 0 {
			if keyOnly == nil {
				keyOnly = map[string]any{}
			}
			keyOnly[key] = obj
		}
	}
	return m, keyOnly, true
}

func unionKeys(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// formatKey quotes a key that would make the path ambiguous.
func formatKey(k string) string {
	if strings.ContainsAny(k, "[]\"") || k == "" {
		return strconv.Quote(k)
	}
	return k
}
