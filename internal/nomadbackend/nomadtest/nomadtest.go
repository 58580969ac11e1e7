// Package nomadtest gives tests a real Nomad cluster: the local one started by
// scripts/cluster.sh (1 server + 3 clients in zones a, b, c; docs/cluster.md),
// a fresh namespace per test, the demo images, and waits with deadlines.
//
// A test that needs Nomad calls Cluster; it never skips: when the cluster
// cannot be reached or started the test fails. Only `go test -short` (make
// test-unit) leaves such tests out (Cluster skips them), and that is not the
// full suite.
//
//	func TestDeploy(t *testing.T) {
//		env := nomadtest.Cluster(t)
//		nomadtest.RequireDemoImages(t)
//		job := nomadtest.DemoJob("web", nomadtest.ImageV1, 3)
//		env.Register(job)
//		allocs := env.WaitHealthy("web", 3, 2*time.Minute)
//		...
//	}
package nomadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"
)

// The demo images built by `make demo-images` (scripts/demo-images.sh). All
// are one binary: `app` serves HTTP on $PORT (default 8080) with GET / (JSON
// with "version") and GET /healthz; args --mode=worker|init|fail select the
// other roles; `/app --probe URL` is a health-check command.
const (
	ImageV1     = "ecsgit-demo/app:1"
	ImageV2     = "ecsgit-demo/app:2"
	ImageBroken = "ecsgit-demo/app:broken" // serves, but /healthz always answers 500
	// ImagePause is the clients' infra_image: it holds a bridge-mode (awsvpc) allocation's network namespace.
	ImagePause = "ecsgit-demo/pause:1"
	// ImageRouter is a FireLens log router: Fluentd forward protocol on 24224, prints each record as JSON.
	ImageRouter = "ecsgit-demo/router:1"
)

// DemoImages lists every image `make demo-images` builds.
var DemoImages = []string{ImageV1, ImageV2, ImageBroken, ImagePause, ImageRouter}

// EnvAddr names an environment variable that points the tests at another
// (already running) Nomad cluster instead of the local one. NOMAD_ADDR is
// deliberately not used: a developer's shell may point it at a real cluster,
// and tests create and delete namespaces and jobs.
const EnvAddr = "ECSGIT_TEST_NOMAD_ADDR"

// Env is a ready cluster plus a namespace that belongs to one test.
type Env struct {
	T         testing.TB
	Client    *api.Client
	Addr      string // e.g. http://127.0.0.1:4646
	Namespace string // unique per test, deleted at cleanup
	// keepNamespace: the namespace is shared (TrafficCluster); cleanup purges it only.
	keepNamespace bool
	// Token is the cluster's management token (ACLCluster); "" without ACLs.
	Token string
	// ClusterDir is the state dir of the local cluster ("" for ECSGIT_TEST_NOMAD_ADDR).
	ClusterDir string
}

// clusterOnce caches a successful cluster start for the test binary; a failed
// attempt is retried by the next test (and fails it too, with the reason).
var (
	clusterMu sync.Mutex
	clusters  = map[bool]clusterInfo{} // by acl
)

// clusterInfo is a ready cluster: its address and, with ACLs, its management token.
type clusterInfo struct{ addr, token, dir string }

// The ACL cluster (ACLCluster) is a second local cluster of scripts/cluster.sh with
// ECSGIT_NOMAD_ACL=1, in <repo>/.cluster-acl, on its own ports: ECSGIT_NOMAD_ACL_PORT
// (default: the main cluster's base port + 100) and ECSGIT_NOMAD_ACL_DYN_PORT
// (default: the main cluster's dynamic range + 3000).
const (
	EnvACLPort    = "ECSGIT_NOMAD_ACL_PORT"
	EnvACLDynPort = "ECSGIT_NOMAD_ACL_DYN_PORT"
)

// Cluster returns an Env for the running local cluster, starting it with
// scripts/cluster.sh up when it is not running (the script serialises
// parallel test binaries with a file lock). It registers a fresh namespace
// whose jobs are purged and which is deleted when the test ends. Any failure
// is fatal to the test.
func Cluster(t testing.TB) *Env {
	t.Helper()
	return cluster(t, false)
}

// ACLCluster is Cluster on the local cluster with ACLs enabled (started with
// scripts/cluster.sh up under ECSGIT_NOMAD_ACL=1 when it is not running). Env.Client
// and Env.Token carry its management token; anonymous requests are denied there.
func ACLCluster(t testing.TB) *Env {
	t.Helper()
	return cluster(t, true)
}

func cluster(t testing.TB, acl bool) *Env {
	t.Helper()
	skipIfShort(t)
	info, err := clusterAddress(acl)
	if err != nil {
		t.Fatalf("nomadtest: no Nomad cluster (acl %v): %v", acl, err)
	}
	addr := info.addr
	client, err := newClient(addr, info.token)
	if err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
	ns := namespaceName(t.Name())
	if _, err := client.Namespaces().Register(&api.Namespace{
		Name:        ns,
		Description: "ecsgit test " + t.Name(),
	}, nil); err != nil {
		t.Fatalf("nomadtest: register namespace %s: %v", ns, err)
	}
	env := &Env{T: t, Client: client, Addr: addr, Namespace: ns, Token: info.token, ClusterDir: info.dir}
	t.Cleanup(env.cleanup)
	return env
}

// Client returns a client for the cluster without creating a namespace, for
// tests that manage namespaces themselves. Failures are fatal.
func Client(t testing.TB) *api.Client {
	t.Helper()
	skipIfShort(t)
	info, err := clusterAddress(false)
	if err != nil {
		t.Fatalf("nomadtest: no Nomad cluster: %v", err)
	}
	c, err := newClient(info.addr, info.token)
	if err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
	return c
}

// skipIfShort leaves real-cluster tests out of `go test -short` (make
// test-unit), which is documented as not the full suite. Without -short a
// missing cluster is a failure, never a skip.
func skipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("nomadtest: real-cluster test, left out by -short (make test-unit); run make test")
	}
}

// ClientAt is the test binary's one client for addr, for checks and changes that go
// around ecsgit: each api.Client has its own connection pool, and Nomad refuses more
// than 100 connections per client IP (HTTP 429), so tests share one per address.
func ClientAt(t testing.TB, addr string) *api.Client {
	t.Helper()
	if c, ok := sharedClients.Load(addr); ok {
		return c.(*api.Client)
	}
	c, err := newClient(addr, "")
	if err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
	actual, _ := sharedClients.LoadOrStore(addr, c)
	return actual.(*api.Client)
}

var sharedClients sync.Map // address → *api.Client

func newClient(addr, token string) (*api.Client, error) {
	cfg := api.DefaultConfig()
	cfg.Address = addr
	if token != "" { // else api.DefaultConfig's NOMAD_TOKEN, as before
		cfg.SecretID = token
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("nomad client for %s: %w", addr, err)
	}
	return c, nil
}

// clusterAddress finds a ready cluster, starting the local one if needed.
func clusterAddress(acl bool) (clusterInfo, error) {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if c, ok := clusters[acl]; ok {
		return c, nil
	}
	if addr := os.Getenv(EnvAddr); addr != "" && !acl {
		if err := checkReady(addr, ""); err != nil {
			return clusterInfo{}, fmt.Errorf("%s=%s: %w", EnvAddr, addr, err)
		}
		clusters[acl] = clusterInfo{addr: addr}
		return clusters[acl], nil
	}
	root, err := RepoRoot()
	if err != nil {
		return clusterInfo{}, err
	}
	// scripts/cluster.sh honours ECSGIT_CLUSTER_DIR (it inherits our
	// environment), so the env file is where the script writes it.
	dir := os.Getenv("ECSGIT_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	var extraEnv []string
	if acl {
		dir = filepath.Join(root, ".cluster-acl")
		extraEnv = aclClusterEnv(dir)
	}
	envFile := filepath.Join(dir, "env")
	if c, err := readEnvFile(envFile); err == nil && checkReady(c.addr, c.token) == nil {
		c.dir = dir
		clusters[acl] = c
		return c, nil
	}
	// Not running (or not healthy): the script starts or repairs it and waits
	// until it is ready; it is a no-op for a healthy cluster.
	if out, err := runScriptEnv(root, 10*time.Minute, extraEnv, "scripts/cluster.sh", "up"); err != nil {
		return clusterInfo{}, fmt.Errorf("scripts/cluster.sh up: %w\n%s", err, out)
	}
	c, err := readEnvFile(envFile)
	if err != nil {
		return clusterInfo{}, err
	}
	if err := checkReady(c.addr, c.token); err != nil {
		return clusterInfo{}, fmt.Errorf("after scripts/cluster.sh up: %w", err)
	}
	c.dir = dir
	clusters[acl] = c
	return c, nil
}

// aclClusterEnv is the environment of scripts/cluster.sh for the ACL cluster.
func aclClusterEnv(dir string) []string {
	num := func(name string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
			return v
		}
		return def
	}
	port := num(EnvACLPort, num("ECSGIT_NOMAD_PORT", 4646)+100)
	dyn := num(EnvACLDynPort, num("ECSGIT_NOMAD_DYN_PORT", 20000)+3000)
	return []string{"ECSGIT_NOMAD_ACL=1", "ECSGIT_CLUSTER_DIR=" + dir,
		"ECSGIT_NOMAD_PORT=" + strconv.Itoa(port), "ECSGIT_NOMAD_DYN_PORT=" + strconv.Itoa(dyn)}
}

// checkReady requires a leader and at least one ready node with a healthy
// docker driver.
func checkReady(addr, token string) error {
	c, err := newClient(addr, token)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q := (&api.QueryOptions{}).WithContext(ctx)
	var leader string
	if _, err := c.Raw().Query("/v1/status/leader", &leader, q); err != nil {
		return fmt.Errorf("query leader at %s: %w", addr, err)
	}
	if leader == "" {
		return fmt.Errorf("no leader at %s", addr)
	}
	nodes, _, err := c.Nodes().List(q)
	if err != nil {
		return fmt.Errorf("list nodes at %s: %w", addr, err)
	}
	for _, n := range nodes {
		if d := n.Drivers["docker"]; n.Status == "ready" && d != nil && d.Healthy {
			return nil
		}
	}
	return fmt.Errorf("no ready node with a healthy docker driver at %s", addr)
}

var envLine = regexp.MustCompile(`^\s*(?:export\s+)?(NOMAD_ADDR|NOMAD_TOKEN)=(\S+)\s*$`)

// readEnvFile reads NOMAD_ADDR (and NOMAD_TOKEN, on an ACL cluster) from the
// .cluster/env file the script writes.
func readEnvFile(path string) (clusterInfo, error) {
	var c clusterInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read cluster env: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := envLine.FindStringSubmatch(sc.Text()); m != nil {
			v := strings.Trim(m[2], `"'`)
			if m[1] == "NOMAD_ADDR" {
				c.addr = v
			} else {
				c.token = v
			}
		}
	}
	if c.addr == "" {
		return c, fmt.Errorf("%s has no NOMAD_ADDR line", path)
	}
	return c, nil
}

// RepoRoot walks up from the working directory (a test runs in its package
// directory) to the directory holding scripts/cluster.sh.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "scripts", "cluster.sh")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no scripts/cluster.sh in %s or any parent: cannot find the ecsgit repository", dir)
		}
	}
}

// runScript runs a repository script with a deadline and returns its combined
// output.
func runScript(root string, timeout time.Duration, script string, args ...string) (string, error) {
	return runScriptEnv(root, timeout, nil, script, args...)
}

// runScriptEnv is runScript with extra environment variables (they win over ours).
func runScriptEnv(root string, timeout time.Duration, env []string, script string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, script), args...)
	cmd.Dir = root
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("%s timed out after %s", script, timeout)
	}
	if err != nil {
		return string(out), fmt.Errorf("run %s: %w", script, err)
	}
	return string(out), nil
}

var (
	imagesOnce sync.Once
	imagesErr  error
)

// RequireDemoImages makes sure the demo images exist on the Docker Engine,
// building them once per test binary with scripts/demo-images.sh (idempotent,
// under a file lock), and fails the test if any is missing.
func RequireDemoImages(t testing.TB) {
	t.Helper()
	imagesOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			imagesErr = err
			return
		}
		if out, err := runScript(root, 10*time.Minute, "scripts/demo-images.sh"); err != nil {
			imagesErr = fmt.Errorf("scripts/demo-images.sh: %w\n%s", err, out)
		}
	})
	if imagesErr != nil {
		t.Fatalf("nomadtest: demo images: %v", imagesErr)
	}
	if err := ImagesPresent(DemoImages...); err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
}

// ImagesPresent reports an error naming every image the Docker Engine lacks.
func ImagesPresent(images ...string) error {
	var missing []string
	for _, img := range images {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", img).Run()
		cancel()
		if err != nil {
			missing = append(missing, img)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("images missing on the Docker Engine (run make demo-images): %s", strings.Join(missing, ", "))
	}
	return nil
}

var nsUnsafe = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// namespaceName derives a valid, unique Nomad namespace name (letters, digits,
// dashes, at most 128) from a test name.
func namespaceName(testName string) string {
	s := strings.Trim(nsUnsafe.ReplaceAllString(strings.ToLower(testName), "-"), "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "t-" + s + "-" + hex.EncodeToString(b[:])
}

// QueryOptions and WriteOptions target the test's namespace.
func (e *Env) QueryOptions() *api.QueryOptions { return &api.QueryOptions{Namespace: e.Namespace} }

// WriteOptions targets the test's namespace.
func (e *Env) WriteOptions() *api.WriteOptions { return &api.WriteOptions{Namespace: e.Namespace} }

// Register registers job in the test's namespace (setting job.Namespace) and
// fails the test on error.
func (e *Env) Register(job *api.Job) *api.JobRegisterResponse {
	e.T.Helper()
	job.Namespace = &e.Namespace
	resp, _, err := e.Client.Jobs().Register(job, e.WriteOptions())
	if err != nil {
		e.T.Fatalf("nomadtest: register job %s: %v", deref(job.ID), err)
	}
	return resp
}

// WaitHealthy waits until jobID has exactly want allocations of its current
// version that run and are healthy, and returns them (full allocations, with
// ports). An allocation counts as healthy when its deployment status says so,
// or, for allocations outside any deployment, when all its tasks run. The
// test fails at the deadline or as soon as the job's latest deployment fails,
// with the allocations' task events in the message.
func (e *Env) WaitHealthy(jobID string, want int, timeout time.Duration) []*api.Allocation {
	e.T.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		job, _, err := e.Client.Jobs().Info(jobID, e.QueryOptions())
		if err != nil {
			last = fmt.Sprintf("job info: %v", err)
		} else {
			healthy, summary, err := e.healthyAllocs(jobID, deref(job.Version))
			if err != nil {
				last = err.Error()
			} else {
				last = summary
				if len(healthy) == want {
					return healthy
				}
			}
			if d, _, err := e.Client.Jobs().LatestDeployment(jobID, e.QueryOptions()); err == nil && d != nil &&
				d.JobVersion == deref(job.Version) && d.Status == api.DeploymentStatusFailed {
				e.T.Fatalf("nomadtest: deployment %s of job %s failed: %s\n%s", d.ID, jobID, d.StatusDescription, e.AllocReport(jobID))
			}
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("nomadtest: job %s: not %d healthy allocations after %s (last: %s)\n%s", jobID, want, timeout, last, e.AllocReport(jobID))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (e *Env) healthyAllocs(jobID string, version uint64) ([]*api.Allocation, string, error) {
	stubs, _, err := e.Client.Jobs().Allocations(jobID, false, e.QueryOptions())
	if err != nil {
		return nil, "", fmt.Errorf("list allocations: %w", err)
	}
	var out []*api.Allocation
	counts := map[string]int{}
	for _, s := range stubs {
		if s.JobVersion != version || s.DesiredStatus != api.AllocDesiredStatusRun {
			continue
		}
		counts[s.ClientStatus]++
		if s.ClientStatus != api.AllocClientStatusRunning {
			continue
		}
		a, _, err := e.Client.Allocations().Info(s.ID, e.QueryOptions())
		if err != nil {
			return nil, "", fmt.Errorf("allocation %s: %w", s.ID, err)
		}
		// In a deployment, only the deployment's verdict counts (its status
		// is nil until health is known); outside one, running tasks do.
		if a.DeploymentID != "" || a.DeploymentStatus != nil {
			if a.DeploymentStatus == nil || a.DeploymentStatus.Healthy == nil || !*a.DeploymentStatus.Healthy {
				continue
			}
		} else if !allTasksRunning(a.TaskStates) {
			continue
		}
		out = append(out, a)
	}
	return out, fmt.Sprintf("version %d: %d healthy, by client status %v", version, len(out), counts), nil
}

func allTasksRunning(ts map[string]*api.TaskState) bool {
	if len(ts) == 0 {
		return false
	}
	for _, s := range ts {
		// Task states are plain strings in the api package.
		if s.State != "running" && !(s.State == "dead" && !s.Failed) {
			return false
		}
	}
	return true
}

// WaitDeployment waits until the latest deployment of jobID for the job's
// current version reaches a terminal status (successful, failed, cancelled)
// and returns it; the test fails at the deadline.
func (e *Env) WaitDeployment(jobID string, timeout time.Duration) *api.Deployment {
	e.T.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		d, _, err := e.Client.Jobs().LatestDeployment(jobID, e.QueryOptions())
		switch {
		case err != nil:
			last = err.Error()
		case d == nil:
			last = "no deployment"
		default:
			last = d.Status + ": " + d.StatusDescription
			switch d.Status {
			case api.DeploymentStatusSuccessful, api.DeploymentStatusFailed, api.DeploymentStatusCancelled:
				return d
			}
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("nomadtest: job %s: no finished deployment after %s (last: %s)\n%s", jobID, timeout, last, e.AllocReport(jobID))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Eventually retries f every 250ms until it returns nil; at the deadline the
// test fails with f's last error.
func Eventually(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nomadtest: not true after %s: %v", timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// AllocReport describes every allocation of jobID with its recent task
// events, for failure messages.
func (e *Env) AllocReport(jobID string) string {
	stubs, _, err := e.Client.Jobs().Allocations(jobID, true, e.QueryOptions())
	if err != nil {
		return fmt.Sprintf("(allocations of %s: %v)", jobID, err)
	}
	var b strings.Builder
	for _, s := range stubs {
		fmt.Fprintf(&b, "alloc %s v%d node=%s desired=%s client=%s", s.ID[:8], s.JobVersion, s.NodeName, s.DesiredStatus, s.ClientStatus)
		if s.DeploymentStatus != nil && s.DeploymentStatus.Healthy != nil {
			fmt.Fprintf(&b, " healthy=%t", *s.DeploymentStatus.Healthy)
		}
		b.WriteString("\n")
		for task, st := range s.TaskStates {
			evs := st.Events
			if len(evs) > 5 {
				evs = evs[len(evs)-5:]
			}
			for _, ev := range evs {
				msg := ev.DisplayMessage
				if msg == "" {
					msg = ev.Message
				}
				fmt.Fprintf(&b, "    %s: %s %s\n", task, ev.Type, msg)
			}
		}
	}
	if b.Len() == 0 {
		return fmt.Sprintf("(job %s has no allocations)", jobID)
	}
	return b.String()
}

// cleanup purges the namespace's jobs, waits (bounded) for their
// allocations to stop so the next test gets the resources, deletes its
// variables (ecsgit's records) and deletes the namespace. On a failed test it first logs what ran in the namespace.
func (e *Env) cleanup() {
	t, c := e.T, e.Client
	jobs, _, err := c.Jobs().List(e.QueryOptions())
	if err != nil {
		t.Errorf("nomadtest cleanup: list jobs in %s: %v", e.Namespace, err)
		return
	}
	for _, j := range jobs {
		if t.Failed() {
			t.Logf("nomadtest: allocations of job %s at failure:\n%s", j.ID, e.AllocReport(j.ID))
		}
		if _, _, err := c.Jobs().Deregister(j.ID, true, e.WriteOptions()); err != nil {
			t.Errorf("nomadtest cleanup: purge job %s/%s: %v", e.Namespace, j.ID, err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		allocs, _, err := c.Allocations().List(e.QueryOptions())
		if err != nil {
			t.Errorf("nomadtest cleanup: list allocations in %s: %v", e.Namespace, err)
			break
		}
		running := 0
		for _, a := range allocs {
			if a.ClientStatus == api.AllocClientStatusPending || a.ClientStatus == api.AllocClientStatusRunning {
				running++
			}
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Logf("nomadtest cleanup: %d allocations in %s still running after 2m; deleting the namespace anyway", running, e.Namespace)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// ecsgit keeps its records in Nomad Variables; a namespace that still holds
	// variables cannot be deleted.
	vars, _, err := c.Variables().List(e.QueryOptions())
	if err != nil {
		t.Errorf("nomadtest cleanup: list variables in %s: %v", e.Namespace, err)
	}
	for _, v := range vars {
		if _, err := c.Variables().Delete(v.Path, e.WriteOptions()); err != nil {
			t.Errorf("nomadtest cleanup: delete variable %s/%s: %v", e.Namespace, v.Path, err)
		}
	}
	if e.keepNamespace {
		return
	}
	var delErr error
	for i := 0; i < 20; i++ {
		if _, delErr = c.Namespaces().Delete(e.Namespace, nil); delErr == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("nomadtest cleanup: delete namespace %s: %v", e.Namespace, delErr)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ImageConnectProxy is ecsgit's Service Connect sidecar (scripts/connect-proxy-image.sh).
const ImageConnectProxy = "ecsgit/connect-proxy:1"

var connectProxyOnce sync.Once
var connectProxyErr error

// RequireConnectProxyImage builds the Service Connect sidecar image once per test
// binary (the script is idempotent and locked) and fails the test without it.
func RequireConnectProxyImage(t testing.TB) {
	t.Helper()
	connectProxyOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			connectProxyErr = err
			return
		}
		if out, err := runScript(root, 15*time.Minute, "scripts/connect-proxy-image.sh"); err != nil {
			connectProxyErr = fmt.Errorf("scripts/connect-proxy-image.sh: %w\n%s", err, out)
		}
	})
	if connectProxyErr != nil {
		t.Fatalf("nomadtest: connect proxy image: %v", connectProxyErr)
	}
	if err := ImagesPresent(ImageConnectProxy); err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
}
