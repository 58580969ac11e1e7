package nomadtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Registry is the cluster's private registry (scripts/registry.sh): the CNCF
// distribution registry on 127.0.0.1 with htpasswd auth, started by scripts/cluster.sh
// up, holding ImageV1 and ImageV2 under the same names (Image).
type Registry struct {
	Addr, User, Password string
}

// Image is the name of a demo image in the registry ("127.0.0.1:4736/ecsgit-demo/app:1").
func (r Registry) Image(name string) string { return r.Addr + "/" + name }

var (
	registryMu     sync.Mutex
	registryPushed = map[string]error{}
)

// PrivateRegistry returns the registry of e's cluster with the demo images pushed to
// it (once per test binary and cluster); failures are fatal.
func (e *Env) PrivateRegistry() Registry {
	e.T.Helper()
	if e.ClusterDir == "" {
		e.T.Fatalf("nomadtest: the private registry belongs to the local cluster (not %s)", EnvAddr)
	}
	RequireDemoImages(e.T)
	registryMu.Lock()
	err, done := registryPushed[e.ClusterDir]
	if !done {
		root, rerr := RepoRoot()
		if rerr != nil {
			err = rerr
		} else if out, perr := runScriptEnv(root, 10*time.Minute, []string{"ECSGIT_CLUSTER_DIR=" + e.ClusterDir}, "scripts/registry.sh", "push"); perr != nil {
			err = fmt.Errorf("scripts/registry.sh push: %w\n%s", perr, out)
		}
		registryPushed[e.ClusterDir] = err
	}
	registryMu.Unlock()
	if err != nil {
		e.T.Fatalf("nomadtest: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(e.ClusterDir, "env"))
	if err != nil {
		e.T.Fatalf("nomadtest: %v", err)
	}
	m := regexp.MustCompile(`(?m)^export ECSGIT_REGISTRY=(\S+)$`).FindSubmatch(b)
	if m == nil {
		e.T.Fatalf("nomadtest: %s/env names no ECSGIT_REGISTRY (scripts/cluster.sh up starts the registry)", e.ClusterDir)
	}
	pw, err := os.ReadFile(filepath.Join(e.ClusterDir, "registry", "password"))
	if err != nil {
		e.T.Fatalf("nomadtest: registry password: %v", err)
	}
	return Registry{Addr: string(m[1]), User: "ecsgit", Password: strings.TrimSpace(string(pw))}
}

// Tag points tag (a name in the registry, "ecsgit-demo/app:rolling") at the content of
// the local image src (a demo image), as a `docker push` of a retagged image does.
func (e *Env) Tag(r Registry, src, tag string) {
	e.T.Helper()
	dst := r.Image(tag)
	env := append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(e.ClusterDir, "registry", "docker"))
	for _, args := range [][]string{{"tag", src, dst}, {"push", "-q", dst}, {"rmi", dst}} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			e.T.Fatalf("nomadtest: docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
