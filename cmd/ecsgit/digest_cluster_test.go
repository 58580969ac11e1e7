package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestDigestPinnedDuringRollout (ACL cluster, the private registry): the plan resolves
// the tag to its digest and shows it, the job runs image@digest, and moving the tag to
// other content in the middle of a one-at-a-time rollout does not change what the
// remaining tasks run: all three run the content the tag had when planned.
func TestDigestPinnedDuringRollout(t *testing.T) {
	e := newACLCmdEnv(t)
	reg := e.PrivateRegistry()
	target := e.target()
	e.putSecret(t, "secrets/registry", "username", reg.User)
	e.putSecret(t, "secrets/registry", "password", reg.Password)
	// A per-test tag: other tests share the registry.
	tag := "ecsgit-demo/app:" + strings.TrimPrefix(e.Namespace, "t-")
	tag = tag[:min(len(tag), 120)]
	image := reg.Image(tag)
	repoDir := t.TempDir()
	write := func(version string) {
		t.Helper()
		files := map[string]any{
			"ecsgit.yaml": map[string]any{"version": 1, "namespace": e.Namespace},
			"web-taskdef.json": map[string]any{"family": "web", "containerDefinitions": []any{map[string]any{
				"name": "app", "image": image, "memory": 32, "essential": true,
				"environment":           []any{map[string]any{"name": "RELEASE", "value": version}},
				"repositoryCredentials": map[string]any{"credentialsParameter": "/registry"},
				"portMappings":          []any{map[string]any{"containerPort": 8080}},
				"healthCheck": map[string]any{"command": []string{"CMD", "/app", "--probe", "http://localhost:8080/healthz"},
					"interval": 5, "timeout": 2, "retries": 2, "startPeriod": 3},
			}}},
			"web-service.json": map[string]any{"serviceName": "web", "taskDefinition": "web", "desiredCount": 3,
				"deploymentConfiguration": map[string]any{"minimumHealthyPercent": 50, "maximumPercent": 100}},
		}
		repotest.WriteJSON(t, repoDir, files)
	}
	e.Tag(reg, nomadtest.ImageV1, tag)
	write("1")
	if code, _ := e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, repoDir)...)...); code != exitOK {
		t.Fatalf("first apply: exit %d", code)
	}

	// Release 2: the tag now has app:2's content; the plan pins it.
	e.Tag(reg, nomadtest.ImageV2, tag)
	write("2")
	code, out := e.cli(t, "", append([]string{"plan"}, append(target, repoDir)...)...)
	if code != exitOK || !strings.Contains(out, "image app: "+image+" (sha256:") {
		t.Fatalf("plan: exit %d; want the line %q", code, "image app: "+image+" (sha256:…)")
	}
	done := make(chan int, 1)
	go func() {
		code, _ := e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, repoDir)...)...)
		done <- code
	}()
	// Once the first task of release 2 runs, the tag moves back to app:1's content.
	nomadtest.Eventually(t, 3*time.Minute, func() error {
		if n := runningOfVersion(t, e.Client, e.Namespace, 1); n < 1 {
			return errNotYet
		}
		return nil
	})
	e.Tag(reg, nomadtest.ImageV1, tag)
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("apply of release 2: exit %d", code)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("apply of release 2 did not finish in 5 min")
	}
	want := localImageID(t, nomadtest.ImageV2)
	allocs := e.WaitHealthy("web", 3, 2*time.Minute)
	for _, a := range allocs {
		if got := containerImageID(t, a.ID); got != want {
			t.Errorf("allocation %s runs image %s, want %s (app:2, what the tag held when planned)", a.ID, got, want)
		}
	}
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := job.TaskGroups[0].Tasks[0].Config["image"].(string); !strings.HasPrefix(img, image+"@sha256:") {
		t.Errorf("the job's image is %q, want %s@sha256:…", img, image)
	}
}

type notYet struct{}

func (notYet) Error() string { return "not yet" }

var errNotYet error = notYet{}

func runningOfVersion(t *testing.T, c *api.Client, ns string, version uint64) int {
	t.Helper()
	allocs, _, err := c.Jobs().Allocations("web", false, &api.QueryOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range allocs {
		if a.JobVersion == version && a.ClientStatus == api.AllocClientStatusRunning {
			n++
		}
	}
	return n
}

func localImageID(t *testing.T, image string) string {
	t.Helper()
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", image).Output()
	if err != nil {
		t.Fatalf("docker image inspect %s: %v", image, err)
	}
	return strings.TrimSpace(string(out))
}

func containerImageID(t *testing.T, allocID string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ids, err := exec.CommandContext(ctx, "docker", "ps", "-q", "--filter", "label=com.hashicorp.nomad.alloc_id="+allocID).Output()
	if err != nil || len(strings.Fields(string(ids))) == 0 {
		t.Fatalf("container of allocation %s: %v", allocID, err)
	}
	out, err := exec.CommandContext(ctx, "docker", "inspect", "--format", "{{.Image}}", strings.Fields(string(ids))[0]).Output()
	if err != nil {
		t.Fatalf("docker inspect: %v", err)
	}
	return strings.TrimSpace(string(out))
}
