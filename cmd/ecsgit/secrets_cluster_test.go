package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// The secrets of a task definition on a cluster with ACLs on (docs/secrets.md):
// a missing secret fails the plan with file:line:col and the path, nothing registered;
// `secrets put` stores them; apply writes the job's ACL policy and the container gets
// the values in its environment; no value (first or rotated) is in any plan format, the
// job spec, apply, status, history, `secrets list`, the daemon's log, /v1/status or
// /metrics, also after an out-of-band change of the value and a drifted job that
// carries the value in clear.
func TestSecretsReachTheContainerAndNoOutput(t *testing.T) {
	e := newACLCmdEnv(t)

	const (
		dbPassword = "Zq8-db-value-7741"
		apiToken   = "Zq8-api-value-5530"
		rotated    = "Zq8-rotated-value-9902"
	)
	values := []string{dbPassword, apiToken, rotated, "Zq8-"}
	noValue := func(what, out string) {
		t.Helper()
		for _, v := range values {
			if strings.Contains(out, v) {
				t.Errorf("%s contains the secret value %q:\n%s", what, v, out)
			}
		}
	}
	files := secretRepoFiles(e.Namespace)
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	target := e.target()

	// 1. Missing: a plan error at the reference, with the path; nothing registered.
	code, out := e.cli(t, "", append([]string{"plan"}, append(target, dir)...)...)
	if code != exitFailure {
		t.Fatalf("plan with missing secrets: exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{
		filepath.Join(dir, "web-taskdef.json") + ":", `containerDefinitions[app].secrets[DB_PASSWORD]: Nomad variable "secrets/prod/db/password" does not exist`,
		`secrets/prod/app`, "ECS-SEC-002",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan error lacks %q", want)
		}
	}
	if j, _ := e.Backend.ReadJob(t.Context(), e.Namespace, "web"); j != nil {
		t.Fatal("a plan with missing secrets registered the job")
	}

	// 2. The values go in through stdin only.
	for _, put := range [][3]string{{"secrets/prod/db/password", "value", dbPassword + "\n"}, {"secrets/prod/app", "token", apiToken}} {
		noValue("secrets put", e.putSecret(t, put[0], put[1], put[2]))
	}
	code, out = e.cli(t, "", append([]string{"secrets", "list"}, target...)...)
	if code != exitOK || !strings.Contains(out, "secrets/prod/app") || !strings.Contains(out, "token") {
		t.Fatalf("secrets list: exit %d, want the paths and keys", code)
	}
	noValue("secrets list", out)

	// 3. Apply: the job's policy, then the job; the container has the values.
	code, out = e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, dir)...)...)
	if code != exitOK {
		t.Fatalf("apply: exit %d", code)
	}
	noValue("apply", out)
	if _, _, err := e.Client.ACLPolicies().Info(nomadbackend.SecretsPolicyName(e.Namespace, "web"), nil); err != nil {
		t.Errorf("the job's secrets policy was not written: %v", err)
	}
	t.Cleanup(func() { _, _ = e.Client.ACLPolicies().Delete(nomadbackend.SecretsPolicyName(e.Namespace, "web"), nil) })
	env := containerEnv(t, e.Client, e.Namespace, "web")
	if env["DB_PASSWORD"] != dbPassword || env["API_TOKEN"] != apiToken {
		t.Fatalf("container environment: DB_PASSWORD %q, API_TOKEN %q; want the stored values", env["DB_PASSWORD"], env["API_TOKEN"])
	}
	job, _, err := e.Client.Jobs().Info("web", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(job)
	noValue("the registered job spec", string(spec))

	// 4. Out of band: the value rotates in Nomad, and someone registers the job with
	//    the rotated value in clear (drift).
	v, _, err := e.Client.Variables().Read("secrets/prod/db/password", e.QueryOptions())
	if err != nil {
		t.Fatal(err)
	}
	v.Items["value"] = rotated
	if _, _, err := e.Client.Variables().Update(v, (&api.WriteOptions{Namespace: e.Namespace})); err != nil {
		t.Fatal(err)
	}
	if env := containerEnv(t, e.Client, e.Namespace, "web"); env["DB_PASSWORD"] != dbPassword {
		t.Errorf("a running task changed its secret without a deployment (change_mode noop): %q", env["DB_PASSWORD"])
	}
	job.TaskGroups[0].Tasks[0].Env = map[string]string{"DB_PASSWORD": rotated}
	if _, _, err := e.Client.Jobs().Register(job, e.WriteOptions()); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"human", "json", "markdown"} {
		code, out := e.cli(t, "", append([]string{"plan", "--output", format, "--detailed-exitcode"}, append(target, dir)...)...)
		if code != exitChanges {
			t.Errorf("plan --output %s after drift: exit %d, want %d (changes)", format, code, exitChanges)
		}
		noValue("plan --output "+format, out)
	}
	code, out = e.cli(t, "", append([]string{"apply", "--auto-approve"}, append(target, dir)...)...)
	if code != exitOK {
		t.Fatalf("apply correcting the drift: exit %d", code)
	}
	noValue("apply (drift)", out)
	for _, args := range [][]string{{"status"}, {"status", "--output", "json"}, {"history", "web"}, {"history", "web", "--output", "json"}} {
		code, out := e.cli(t, "", append(append([]string{args[0]}, target...), args[1:]...)...)
		if code != exitOK {
			t.Errorf("%v: exit %d", args, code)
		}
		noValue(strings.Join(args, " "), out)
	}

	// 5. The daemon, from a Git repository of the same files.
	repo := gittest.New(t)
	repo.Commit("secrets", files)
	d := synctest.StartDaemon(t, e.Addr, "--repo", repo.FileURL(), "--namespace", e.Namespace, "--interval", "300ms", "--cache-dir", t.TempDir())
	synctest.Eventually(t, 60*time.Second, "the daemon synced the commit", func() bool {
		st, err := d.Status()
		return err == nil && st.Deployed != nil
	})
	for _, path := range []string{"/v1/status", "/metrics"} {
		noValue("daemon "+path, httpGet(t, d.URL+path))
	}
	d.Stop()
	noValue("daemon log", d.Output())
}

// secretRepoFiles: one service whose container reads an SSM parameter and a key of a
// Secrets Manager secret.
func secretRepoFiles(ns string) map[string]string {
	td := `{
  "family": "web",
  "executionRoleArn": "arn:aws:iam::123456789012:role/web-exec",
  "containerDefinitions": [{
    "name": "app", "image": "ecsgit-demo/app:1", "memory": 32, "essential": true,
    "secrets": [
      {"name": "DB_PASSWORD", "valueFrom": "/prod/db/password"},
      {"name": "API_TOKEN", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app-AbCdEf:token::"}
    ]
  }]
}
`
	return map[string]string{
		"ecsgit.yaml":      "version: 1\nnamespace: " + ns + "\n",
		"web-taskdef.json": td,
		"web-service.json": `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}` + "\n",
	}
}

// requireACLsEnforced: an anonymous request is refused (the test proves nothing on a
// cluster without ACLs).
func requireACLsEnforced(t *testing.T, addr string) {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address, cfg.SecretID = addr, ""
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Jobs().List(nil); err == nil || !nomadbackend.IsForbidden(err) {
		t.Fatalf("an anonymous job list on %s: %v; want 403 (ACLs enforced)", addr, err)
	}
}

// containerEnv is the environment Docker started the running task of job with.
func containerEnv(t *testing.T, c *api.Client, ns, job string) map[string]string {
	t.Helper()
	allocs, _, err := c.Jobs().Allocations(job, false, &api.QueryOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allocs {
		if a.ClientStatus != api.AllocClientStatusRunning || a.DesiredStatus != api.AllocDesiredStatusRun {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		ids, err := exec.CommandContext(ctx, "docker", "ps", "-q", "--filter", "label=com.hashicorp.nomad.alloc_id="+a.ID).Output()
		cancel()
		if err != nil || len(bytes.TrimSpace(ids)) == 0 {
			t.Fatalf("container of allocation %s: %v", a.ID, err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, "docker", "inspect", "--format", "{{json .Config.Env}}", strings.Fields(string(ids))[0]).Output()
		cancel()
		if err != nil {
			t.Fatalf("docker inspect: %v", err)
		}
		var kv []string
		if err := json.Unmarshal(out, &kv); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		for _, s := range kv {
			k, v, _ := strings.Cut(s, "=")
			env[k] = v
		}
		return env
	}
	t.Fatalf("job %s has no running allocation", job)
	return nil
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
