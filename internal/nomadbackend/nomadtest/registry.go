package nomadtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	registryMu sync.Mutex
	registries = map[string]registryState{} // by cluster dir, once per test binary
)

type registryState struct {
	addr string
	err  error
}

// runScriptEnvStdout is runScriptEnv returning stdout only (stderr has the log).
func runScriptEnvStdout(root string, timeout time.Duration, env []string, script string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, script), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("run %s: %w\n%s", script, err, stderr.String())
	}
	return string(out), nil
}

// PrivateRegistry returns the registry of e's cluster with the demo images pushed to
// it (once per test binary and cluster); failures are fatal.
func (e *Env) PrivateRegistry() Registry {
	e.T.Helper()
	if e.ClusterDir == "" {
		e.T.Fatalf("nomadtest: the private registry belongs to the local cluster (not %s)", EnvAddr)
	}
	RequireDemoImages(e.T)
	registryMu.Lock()
	st, done := registries[e.ClusterDir]
	if !done {
		// `up` is a no-op for a running registry and prints its address; it also starts
		// one for a cluster that was started before the registry was part of it.
		env := []string{"ECSGIT_CLUSTER_DIR=" + e.ClusterDir}
		root, err := RepoRoot()
		if err == nil {
			var out string
			if out, err = runScriptEnvStdout(root, 10*time.Minute, env, "scripts/registry.sh", "up"); err == nil {
				st.addr = strings.TrimSpace(out)
				if out, err = runScriptEnv(root, 10*time.Minute, env, "scripts/registry.sh", "push"); err != nil {
					err = fmt.Errorf("scripts/registry.sh push: %w\n%s", err, out)
				}
			}
		}
		st.err = err
		registries[e.ClusterDir] = st
	}
	registryMu.Unlock()
	if st.err != nil {
		e.T.Fatalf("nomadtest: private registry: %v", st.err)
	}
	pw, err := os.ReadFile(filepath.Join(e.ClusterDir, "registry", "password"))
	if err != nil {
		e.T.Fatalf("nomadtest: registry password: %v", err)
	}
	return Registry{Addr: st.addr, User: "ecsgit", Password: strings.TrimSpace(string(pw))}
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
