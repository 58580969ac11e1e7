package plan

import (
	"encoding/json"
)

// The normalization here is for comparison only: it never changes what is deployed. It
// makes two spellings of the same ECS definition compare equal, which is what keeps the
// plan free of noise ("no change means no diff, ever"; anchors B2). The ECS defaults have
// one source, spec's Normalize functions: a side is decoded into a copy, normalized by
// spec, and only then turned into the generic tree the walk compares (a record written by
// an older ecsgit, or a definition that spells a default out, compares equal to one that
// leaves it out). What remains here is what is not a default: values that mean "unset".

// normalizedTree is the comparable tree of one marshalled side: spec's defaults applied
// to a decoded copy, then pruned of unset values. nil stays nil.
func normalizedTree[T any](b []byte, normalize func(*T)) any {
	if b == nil {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		panic("plan: decoding a marshalled spec value: " + err.Error())
	}
	normalize(&v)
	return prune(toTree(marshalSide(&v)), "")
}

// objects returns the object elements of an array value.
func objects(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// prune removes values that mean "unset" in ECS: null, "", false, empty arrays and empty
// objects (recursively, so {"enabled": false} disappears entirely). Booleans whose ECS
// default is true (essential) were made explicit before and are kept when false.
func prune(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if p := prune(e, k); p == nil {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		out := x[:0]
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				e = prune(e, "")
			} // scalars in arrays stay: "" in a command is an argument
			if e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x && !defaultTrue[key] {
			return nil
		}
	}
	return v
}

// defaultTrue lists boolean fields whose ECS default is true, so false is meaningful.
var defaultTrue = map[string]bool{"essential": true}
