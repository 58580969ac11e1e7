package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestComposeExampleDeploys applies examples/compose-app, exactly as the quick start
// does, into a test namespace: both services run healthy with their compose health checks
// as Nomad http checks that pass, and depends_on (web needs api healthy) became apply
// order: web's job was registered only after api's deployment had succeeded.
func TestComposeExampleDeploys(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	root, err := nomadtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "examples", "compose-app")
	if code, out, errOut := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("apply examples/compose-app: exit %d\n%s%s", code, out, errOut)
	}

	apiDep, _, err := e.Client.Jobs().LatestDeployment("compose-app-api", e.QueryOptions())
	if err != nil || apiDep == nil || apiDep.Status != "successful" {
		t.Fatalf("compose-app-api deployment: %+v %v", apiDep, err)
	}
	web, _, err := e.Client.Jobs().Info("compose-app-web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if apiDone := time.Unix(0, apiDep.ModifyTime); time.Unix(0, *web.SubmitTime).Before(apiDone) {
		t.Errorf("web was registered at %s, before api's deployment succeeded at %s: depends_on order not kept",
			time.Unix(0, *web.SubmitTime).Format(time.StampMilli), apiDone.Format(time.StampMilli))
	}

	for _, job := range []string{"compose-app-api", "compose-app-web"} {
		allocs, _, err := e.Client.Jobs().Allocations(job, false, e.QueryOptions())
		if err != nil {
			t.Fatal(err)
		}
		healthy := 0
		for _, a := range allocs {
			if a.ClientStatus != "running" {
				continue
			}
			checks, err := e.Client.Allocations().Checks(a.ID, e.QueryOptions())
			if err != nil {
				t.Fatalf("checks of %s: %v", a.ID, err)
			}
			if len(checks) == 0 {
				t.Fatalf("%s alloc %s has no Nomad checks: the compose healthcheck was not translated", job, a.ID)
			}
			for _, c := range checks {
				if c.Mode == "healthiness" && c.Status == "success" {
					healthy++
				}
			}
		}
		if healthy != 2 {
			t.Errorf("%s: %d allocations with a passing health check, want 2 (deploy.replicas)", job, healthy)
		}
	}
}

// TestDaemonServiceRollsOut: schedulingStrategy DAEMON becomes a Nomad system job, one
// task on each of the three clients; an image change rolls out to every node and ends
// with all three running the new image, healthy.
func TestDaemonServiceRollsOut(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	dir := t.TempDir()
	write := func(image string) {
		files := map[string]any{
			"ecsgit.yaml": map[string]any{"version": 1, "namespace": e.Namespace},
			"agent-taskdef.json": map[string]any{"family": "agent", "containerDefinitions": []any{map[string]any{
				"name": "app", "image": image, "memory": 32, "essential": true,
				"environment":  []any{map[string]any{"name": "PORT", "value": "8080"}},
				"portMappings": []any{map[string]any{"containerPort": 8080, "hostPort": 0}},
				"healthCheck":  map[string]any{"command": []any{"CMD", "/app", "--probe", "http://localhost:8080/healthz"}, "interval": 5, "timeout": 2},
			}}},
			"agent-service.json": map[string]any{"serviceName": "agent", "taskDefinition": "agent", "schedulingStrategy": "DAEMON"},
		}
		repotest.WriteJSON(t, dir, files)
	}
	runningImages := func() map[string]string { // node → image of its running alloc
		allocs, _, err := e.Client.Jobs().Allocations("agent", false, e.QueryOptions())
		if err != nil {
			t.Fatal(err)
		}
		byNode := map[string]string{}
		for _, stub := range allocs {
			if stub.ClientStatus != "running" || stub.DesiredStatus != "run" {
				continue
			}
			a, _, err := e.Client.Allocations().Info(stub.ID, e.QueryOptions())
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := byNode[a.NodeID]; dup {
				t.Errorf("two running agent tasks on node %s", a.NodeID)
			}
			byNode[a.NodeID] = a.Job.TaskGroups[0].Tasks[0].Config["image"].(string)
		}
		return byNode
	}

	write("ecsgit-demo/app:1")
	if code, out, errOut := e.run(t, "apply", "--auto-approve", dir); code != exitOK {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, errOut)
	}
	job, _, err := e.Client.Jobs().Info("agent", e.QueryOptions())
	if err != nil || *job.Type != api.JobTypeSystem {
		t.Fatalf("DAEMON service should be a system job: %v %v", job, err)
	}
	if got := runningImages(); len(got) != 3 {
		t.Fatalf("DAEMON runs on %d nodes, want all 3: %v", len(got), got)
	}

	write("ecsgit-demo/app:2")
	if code, out, errOut := e.run(t, "apply", "--auto-approve", dir); code != exitOK || !strings.Contains(out, "agent: applied (agent:2)") {
		t.Fatalf("image change: exit %d\n%s%s", code, out, errOut)
	}
	nomadtest.Eventually(t, 60*time.Second, func() error {
		got := runningImages()
		for node, img := range got {
			if img != "ecsgit-demo/app:2" {
				return fmt.Errorf("node %s still runs %s", node, img)
			}
		}
		if len(got) != 3 {
			return fmt.Errorf("%d of 3 nodes run the new image", len(got))
		}
		return nil
	})
}

// TestSyncJobExampleIsValid: the example Nomad job that runs `ecsgit sync` on the cluster
// passes Nomad's own validation and its scheduler dry-run places every replica. (Running
// it needs the ecsgit image from build/image.sh and a reachable Git remote: not done here.)
func TestSyncJobExampleIsValid(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	root, err := nomadtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "examples", "nomad", "ecsgit-sync.nomad.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Job *api.Job }
	if err := json.Unmarshal(b, &doc); err != nil || doc.Job == nil {
		t.Fatalf("examples/nomad/ecsgit-sync.nomad.json is not a {\"Job\": ...} document: %v", err)
	}
	doc.Job.Namespace = &e.Namespace
	resp, _, err := e.Client.Jobs().Validate(doc.Job, e.WriteOptions())
	if err != nil || len(resp.ValidationErrors) > 0 || resp.Error != "" {
		t.Fatalf("Nomad rejects the example sync job: %v %v %s", err, resp.ValidationErrors, resp.Error)
	}
	plan, _, err := e.Client.Jobs().Plan(doc.Job, false, e.WriteOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.FailedTGAllocs) > 0 {
		t.Fatalf("the example sync job cannot be placed: %+v", plan.FailedTGAllocs)
	}
}
