package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// TestPlanAndApplyFromRepo: plan and apply read a Git ref (--repo, --ref, --path) from a
// real Git server exactly as they read a directory. The plan names the repository and the
// commit; apply records the commit, and history shows it.
func TestPlanAndApplyFromRepo(t *testing.T) {
	t.Parallel()
	e := newCmdEnv(t)
	repo := gittest.New(t)
	files := map[string]string{"README.md": "outside --path: ignored\n"}
	for name, body := range repotest.New(e.Namespace, repotest.Service{Name: "web", Count: 0}).Files() {
		files["prod/"+name] = body
	}
	sha := repo.Commit("first deploy", files)
	url := repo.ServeHTTP()
	gitArgs := []string{"--repo", url, "--ref", "main", "--path", "prod", "--cache-dir", t.TempDir()}

	code, out, _ := e.run(t, append([]string{"plan", "--output", "json"}, gitArgs...)...)
	var p struct {
		Source   string `json:"source"`
		Commit   string `json:"commit"`
		Services []struct {
			Service string `json:"service"`
			Action  string `json:"action"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || code != exitOK {
		t.Fatalf("plan --repo: exit %d, %v\n%s", code, err, out)
	}
	if p.Commit != sha || !strings.Contains(p.Source, url+"@"+sha[:7]) || len(p.Services) != 1 || p.Services[0].Action != "+" {
		t.Fatalf("plan --repo: want web created from %s@%s, got source %q commit %q services %+v", url, sha[:7], p.Source, p.Commit, p.Services)
	}

	if code, out, _ := e.run(t, append([]string{"apply", "--auto-approve"}, gitArgs...)...); code != exitOK {
		t.Fatalf("apply --repo: exit %d\n%s", code, out)
	}
	if code, out, _ := e.run(t, "history", "web"); code != exitOK || !strings.Contains(out, sha[:12]) {
		t.Fatalf("history does not show the applied commit %s: exit %d\n%s", sha[:12], code, out)
	}
	// A directory and --repo together are ambiguous: a usage error, nothing planned.
	if code, _, _ := e.run(t, append([]string{"plan", "."}, gitArgs...)...); code != exitUsage {
		t.Fatalf("plan DIR --repo: exit %d, want %d", code, exitUsage)
	}
}
