package plan

import (
	"encoding/json"
	"strings"
)

// The normalization here is for comparison only: it never changes what is deployed. It
// makes two spellings of the same ECS definition compare equal, which is what keeps the
// plan free of noise ("no change means no diff, ever"; anchors B2). spec has no Normalize
// function yet; when it gains one, the planner may call it first and these rules become
// no-ops.

// normalizeTaskDefinition applies the ECS task-definition defaults that matter for
// equality, then prunes values that mean "unset".
func normalizeTaskDefinition(t any) any {
	td, _ := t.(map[string]any)
	if td == nil {
		return t
	}
	setDefault(td, "networkMode", "bridge")
	mode, _ := td["networkMode"].(string)
	for _, c := range objects(td["containerDefinitions"]) {
		setDefault(c, "essential", true)
		for _, pm := range objects(c["portMappings"]) {
			normalizePortMapping(pm, mode)
		}
		if hc, ok := c["healthCheck"].(map[string]any); ok {
			setDefault(hc, "interval", json.Number("30"))
			setDefault(hc, "timeout", json.Number("5"))
			setDefault(hc, "retries", json.Number("3"))
			if hc["startPeriod"] == json.Number("0") {
				delete(hc, "startPeriod") // off by default
			}
		}
		if c["cpu"] == json.Number("0") {
			delete(c, "cpu")
		}
	}
	return prune(td, "")
}

// normalizePortMapping: protocol defaults to tcp (ECS treats any other value than udp as
// tcp); a hostPort of 0 means "dynamic", as does an absent one in bridge mode; in host and
// awsvpc modes an absent hostPort equals the containerPort.
func normalizePortMapping(pm map[string]any, networkMode string) {
	if p, _ := pm["protocol"].(string); strings.ToLower(p) == "udp" {
		pm["protocol"] = "udp"
	} else {
		pm["protocol"] = "tcp"
	}
	if pm["hostPort"] == json.Number("0") {
		delete(pm, "hostPort")
	}
	if networkMode == "host" || networkMode == "awsvpc" {
		if _, ok := pm["hostPort"]; !ok && pm["containerPort"] != nil {
			pm["hostPort"] = pm["containerPort"]
		}
	}
}

// normalizeService applies the service defaults: schedulingStrategy REPLICA, rolling-update
// bounds 100/200 (0/100 for DAEMON), strategy ROLLING, deployment controller ECS; a circuit
// breaker with enable and rollback both false is the same as none.
func normalizeService(t any) any {
	svc, _ := t.(map[string]any)
	if svc == nil {
		return t
	}
	setDefault(svc, "schedulingStrategy", "REPLICA")
	minPct, maxPct := "100", "200"
	if svc["schedulingStrategy"] == "DAEMON" {
		minPct, maxPct = "0", "100"
	}
	dc, _ := svc["deploymentConfiguration"].(map[string]any)
	if dc == nil {
		dc = map[string]any{}
		svc["deploymentConfiguration"] = dc
	}
	setDefault(dc, "minimumHealthyPercent", json.Number(minPct))
	setDefault(dc, "maximumPercent", json.Number(maxPct))
	setDefault(dc, "strategy", "ROLLING")
	if ctl, ok := svc["deploymentController"].(map[string]any); ok {
		setDefault(ctl, "type", "ECS")
	} else {
		svc["deploymentController"] = map[string]any{"type": "ECS"}
	}
	return prune(svc, "")
}

func setDefault(m map[string]any, key string, v any) {
	if cur, ok := m[key]; !ok || cur == nil || cur == "" {
		m[key] = v
	}
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
