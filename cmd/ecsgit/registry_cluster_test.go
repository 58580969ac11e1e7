package main

import (
	"encoding/json"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"strings"
	"testing"
	"time"
)

// writeRegistryRepo: two tasks of the demo image from the private registry, pulled with
// the credentials of credentialsParameter, with a health check and the circuit breaker.
func writeRegistryRepo(t *testing.T, dir, ns, image, credentials string) {
	t.Helper()
	files := map[string]any{
		"ecsgit.yaml": map[string]any{"version": 1, "namespace": ns},
		"web-taskdef.json": map[string]any{"family": "web", "containerDefinitions": []any{map[string]any{
			"name": "app", "image": image, "memory": 32, "essential": true,
			"repositoryCredentials": map[string]any{"credentialsParameter": credentials},
			"portMappings":          []any{map[string]any{"containerPort": 8080}},
			"healthCheck": map[string]any{"command": []string{"CMD", "/app", "--probe", "http://localhost:8080/healthz"},
				"interval": 5, "timeout": 2, "retries": 2, "startPeriod": 3},
		}}},
		"web-service.json": map[string]any{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
			"deploymentConfiguration": map[string]any{"deploymentCircuitBreaker": map[string]any{"enable": true, "rollback": true}}},
	}
	repotest.WriteJSON(t, dir, files)
}

// TestPrivateRegistryPull (ACL cluster, the CNCF distribution registry with htpasswd):
// the image is pulled with the credentials stored under credentialsParameter; a new
// revision whose credentials hold a wrong password fails its rollout with the
// registry's error, the circuit breaker rolls back, and the previous revision keeps
// running. The password is in no output and not in the job spec.
func TestPrivateRegistryPull(t *testing.T) {
	e := newACLCmdEnv(t)
	reg := e.PrivateRegistry()
	target := e.target()
	const wrong = "Zq8-wrong-password-31"
	for _, kv := range [][3]string{
		{"secrets/registry", "username", reg.User}, {"secrets/registry", "password", reg.Password},
		{"secrets/registry-bad", "username", reg.User}, {"secrets/registry-bad", "password", wrong},
	} {
		e.putSecret(t, kv[0], kv[1], kv[2])
	}
	noPassword := func(what, out string) {
		t.Helper()
		if strings.Contains(out, reg.Password) || strings.Contains(out, wrong) {
			t.Errorf("%s contains a registry password:\n%s", what, out)
		}
	}
	dir := t.TempDir()
	good := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf"
	writeRegistryRepo(t, dir, e.Namespace, reg.Image("ecsgit-demo/app:1"), good)
	code, out := e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, dir)...)...)
	if code != exitOK {
		t.Fatalf("apply with the registry's credentials: exit %d", code)
	}
	noPassword("apply", out)
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(job)
	noPassword("the job spec", string(b))
	v1 := *job.Version

	// The next revision reads credentials with a wrong password.
	writeRegistryRepo(t, dir, e.Namespace, reg.Image("ecsgit-demo/app:2"), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-bad-AbCdEf")
	code, out = e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, dir)...)...)
	if code != exitDegraded || !strings.Contains(out, "web: rolled-back") {
		t.Fatalf("apply with a wrong registry password: exit %d, want %d (rolled back)", code, exitDegraded)
	}
	noPassword("apply (wrong password)", out)
	// The plan could not pin the tag (the registry refused the credentials) and said so.
	if !strings.Contains(out, "not pinned to a digest") {
		t.Errorf("the plan does not note the unresolvable tag:\n%s", out)
	}
	// The cause a user reads: the registry refused the pull.
	if !strings.Contains(strings.ToLower(out), "unauthorized") && !strings.Contains(strings.ToLower(out), "authentication required") {
		t.Errorf("the failed apply does not name the registry's refusal (unauthorized):\n%s", out)
	}
	job, _, err = e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := job.TaskGroups[0].Tasks[0].Config["image"].(string); !strings.HasPrefix(img, reg.Image("ecsgit-demo/app:1")+"@sha256:") {
		t.Errorf("after the rollback the job runs %v (version %d, was %d), want %s@sha256:…", img, *job.Version, v1, reg.Image("ecsgit-demo/app:1"))
	}
	e.WaitHealthy("web", 2, 2*time.Minute)
}
