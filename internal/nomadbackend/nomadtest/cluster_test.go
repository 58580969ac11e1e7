package nomadtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestClusterSpreadsDemoAppOverZones runs the demo app with count 3 and a
// spread over ${meta.zone} on the real cluster: one healthy allocation per
// zone, each reachable on its dynamic port.
func TestClusterSpreadsDemoAppOverZones(t *testing.T) {
	env := Cluster(t)
	RequireDemoImages(t)

	env.Register(DemoJob("web", ImageV1, 3))
	allocs := env.WaitHealthy("web", 3, 3*time.Minute)

	zones := map[string]string{} // zone -> alloc ID
	for _, a := range allocs {
		node, _, err := env.Client.Nodes().Info(a.NodeID, nil)
		if err != nil {
			t.Fatalf("node %s: %v", a.NodeID, err)
		}
		zone := node.Meta["zone"]
		if prev, dup := zones[zone]; dup {
			t.Errorf("allocations %s and %s are both in zone %q; want one per zone", prev, a.ID, zone)
		}
		zones[zone] = a.ID

		body := WaitHTTP(t, a, "http", "/", 200, 30*time.Second)
		var info struct {
			Version string `json:"version"`
			AllocID string `json:"alloc_id"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			t.Fatalf("GET / on alloc %s: %v: %s", a.ID, err, body)
		}
		if info.Version != "1" || info.AllocID != a.ID {
			t.Errorf("GET / on alloc %s = %+v, want version 1 and its own alloc id", a.ID, info)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		code, b, err := HTTPGet(ctx, a, "http", "/healthz")
		cancel()
		if err != nil || code != 200 {
			t.Errorf("GET /healthz on alloc %s = %d %q, %v; want 200", a.ID, code, b, err)
		}
	}
	for _, z := range []string{"a", "b", "c"} {
		if _, ok := zones[z]; !ok {
			t.Errorf("no allocation in zone %q (got %v)", z, zones)
		}
	}
}
