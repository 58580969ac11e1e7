package nomadjob

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// TestFargateFireLensOnCluster runs a Fargate-style awsvpc task on the real cluster: an
// app whose health depends on a sidecar it reaches on localhost, and a FireLens log
// router (the demo image's router mode). The deployment must succeed with its Nomad check
// passing (through the mapped port to the app, and from there over the shared localhost
// to the sidecar); a line the app writes must arrive at the router with the ECS metadata
// fields enable-ecs-log-metadata promises; the translation must carry no approximate or
// unsupported note for networking or for the FireLens logging of the containers.
func TestFargateFireLensOnCluster(t *testing.T) {
	env := nomadtest.Cluster(t)
	nomadtest.RequireDemoImages(t)
	c, ns := env.Client, env.Namespace
	d := repotest.Load(t, filepath.Join("testdata", "cluster", "firelens"))
	d.Config.Namespace = ns
	tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "test/firelens"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range tr.Fidelity {
		if isNetworkOrFireLensNote(n) {
			t.Errorf("note for what is exact: %s %s: %s", n.Field, n.Level, n.Detail)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w := (&api.WriteOptions{Namespace: ns}).WithContext(ctx)
	if _, _, err := c.Jobs().Register(tr.Job, w); err != nil {
		t.Fatalf("register: %v", err)
	}
	jobID := *tr.Job.ID
	waitDeploymentSuccessful(ctx, t, c, ns, jobID)
	assertNomadCheck(ctx, t, c, ns, tr.Job)

	q := (&api.QueryOptions{Namespace: ns}).WithContext(ctx)
	allocs, _, err := c.Jobs().Allocations(jobID, false, q)
	if err != nil {
		t.Fatal(err)
	}
	var alloc *api.Allocation
	for _, a := range allocs {
		if a.ClientStatus == api.AllocClientStatusRunning {
			if alloc, _, err = c.Allocations().Info(a.ID, q); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if alloc == nil {
		t.Fatalf("no running allocation:\n%s", env.AllocReport(jobID))
	}

	// The app logs "upstream http://localhost:9000/healthz reachable: true" the first
	// time its health check reaches the sidecar.
	// Reading a file of an allocation clones the API client's transport for the node
	// on every call: without keep-alives none of those connections stays open (idle
	// ones pile up to the agent's per-client connection limit, HTTP 429).
	fs, err := api.NewClient(&api.Config{Address: c.Address(), HttpClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var got fireLensRecord
	nomadtest.Eventually(t, 60*time.Second, func() error {
		recs, err := routerRecords(ctx, fs, alloc, q)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if strings.HasPrefix(r.Tag, "app-firelens-") && strings.Contains(r.Record["log"], "upstream http://localhost:9000/healthz reachable: true") {
				got = r
				return nil
			}
		}
		return fmt.Errorf("the router printed %d records, none is the app's line about its upstream", len(recs))
	})
	want := map[string]string{
		"ecs_cluster":         "default",
		"ecs_task_arn":        alloc.ID,
		"ecs_task_definition": "shop",
		"source":              "stderr", // Go's log package writes to stderr
	}
	for k, v := range want {
		if got.Record[k] != v {
			t.Errorf("record field %s = %q, want %q (record %v)", k, got.Record[k], v, got.Record)
		}
	}
	if name := got.Record["container_name"]; !strings.Contains(name, "app-"+alloc.ID) {
		t.Errorf("container_name %q does not name the app container of alloc %s", name, alloc.ID)
	}
	if got.Record["container_id"] == "" {
		t.Errorf("record has no container_id: %v", got.Record)
	}
	t.Logf("record at the router: tag %s %v", got.Tag, got.Record)
	if want := "app-firelens-" + alloc.ID; got.Tag != want {
		t.Errorf("tag %q, want %q (the router's outputs match on it)", got.Tag, want)
	}
}

// isNetworkOrFireLensNote: a note on the network mode, the FireLens router, or a
// container's log driver (the metadata note on the router's options states what differs
// and is allowed).
func isNetworkOrFireLensNote(n spec.FidelityNote) bool {
	return n.Field == "networkMode" || n.Rule == RuleNetwork ||
		strings.HasSuffix(n.Field, ".firelensConfiguration") ||
		strings.HasSuffix(n.Field, ".logConfiguration.logDriver")
}

// fireLensRecord is one line the demo router prints.
type fireLensRecord struct {
	Tag    string            `json:"tag"`
	Record map[string]string `json:"record"`
}

// routerRecords reads what the log router task printed so far (its first stdout log
// file in the alloc dir; the demo router prints far less than a rotation's worth).
func routerRecords(ctx context.Context, c *api.Client, alloc *api.Allocation, q *api.QueryOptions) ([]fireLensRecord, error) {
	r, err := c.AllocFS().Cat(alloc, "alloc/logs/log_router.stdout.0", q.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("router logs: %w", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("router logs: %w", err)
	}
	return parseRecords(string(b)), nil
}

func parseRecords(s string) []fireLensRecord {
	var out []fireLensRecord
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var r fireLensRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Tag != "" {
			out = append(out, r)
		}
	}
	return out
}
