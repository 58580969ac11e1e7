// Package faulttest is the fault suite's tool box (issue 13, docs/faults.md): the real
// ecsgit binary as a subprocess that can be killed with SIGKILL, the agents of the local
// Nomad cluster (stop a server or kill a client, bring them back with scripts/cluster.sh
// up), the seed of the randomised runs, checks of ecsgit's history against Nomad's job
// versions, and the removal of containers left running by a killed client (the cluster
// turns Docker's dangling-container reaping off; docs/cluster.md).
//
// The suite itself is in the test files, behind the build tag "faults": it stops and
// kills cluster agents, so it must not run next to other packages' tests. Run it with
// `make test-faults` (.ci/run does, after `make test`).
package faulttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
)

// SeedEnv names the environment variable that replays a run: the seed every randomised
// test prints.
const SeedEnv = "ECSGIT_FAULT_SEED"

var (
	seedOnce sync.Once
	seed     uint64
	seedErr  error
)

// Seed is the suite's seed: $ECSGIT_FAULT_SEED, else the clock.
func Seed() (uint64, error) {
	seedOnce.Do(func() {
		if v := os.Getenv(SeedEnv); v != "" {
			seed, seedErr = strconv.ParseUint(v, 10, 64)
			if seedErr != nil {
				seedErr = fmt.Errorf("%s=%q: want an unsigned integer: %w", SeedEnv, v, seedErr)
			}
			return
		}
		seed = uint64(time.Now().UnixNano())
	})
	return seed, seedErr
}

// Rand is the test's random source: the suite seed mixed with the test's name, so one
// seed replays every test, each with its own sequence. The seed is logged first thing
// (and again when the test fails) so a failure can be replayed.
func Rand(t testing.TB) *rand.Rand {
	t.Helper()
	s, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	replay := fmt.Sprintf("seed %d (replay: %s=%d make test-faults)", s, SeedEnv, s)
	t.Log(replay)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("failed with " + replay)
		}
	})
	return rand.New(rand.NewPCG(s, h.Sum64()))
}

// Between is a random duration in [lo, hi).
func Between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// CLI runs the ecsgit binary against one cluster address and namespace.
type CLI struct {
	T         testing.TB
	Bin       string
	Addr      string
	Namespace string
}

// Result is a finished ecsgit command.
type Result struct {
	Code     int
	Out      string // stdout and stderr, interleaved
	Duration time.Duration
}

// Proc is a running ecsgit command.
type Proc struct {
	cmd   *exec.Cmd
	out   *iostreams.SyncBuffer
	start time.Time
	done  chan struct{}
	res   Result
}

// Start starts `ecsgit CMD --address A -n NS ARGS...` (args[0] is the command).
func (c CLI) Start(args ...string) *Proc {
	c.T.Helper()
	full := append([]string{args[0], "--address", c.Addr, "-n", c.Namespace}, args[1:]...)
	cmd := exec.Command(c.Bin, full...)
	cmd.Env = append(os.Environ(), "NOMAD_ADDR="+c.Addr)
	p := &Proc{cmd: cmd, out: &iostreams.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		c.T.Fatalf("start ecsgit %s: %v", strings.Join(full, " "), err)
	}
	go func() {
		err := cmd.Wait()
		p.res = Result{Code: exitCode(err, cmd), Out: p.out.String(), Duration: time.Since(p.start)}
		close(p.done)
	}()
	c.T.Cleanup(func() { p.Kill() })
	return p
}

// Run runs an ecsgit command to its end and logs it.
func (c CLI) Run(args ...string) Result {
	c.T.Helper()
	r := c.Start(args...).Wait()
	c.T.Logf("ecsgit %s → exit %d in %s\n%s", strings.Join(args, " "), r.Code, r.Duration.Round(time.Millisecond), r.Out)
	return r
}

// Wait waits for the command to end.
func (p *Proc) Wait() Result {
	<-p.done
	return p.res
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *Proc) Kill() Result {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	return p.Wait()
}

// Output is what the command printed so far.
func (p *Proc) Output() string { return p.out.String() }

func exitCode(err error, cmd *exec.Cmd) int {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return -1
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// CheckHistory fails t with every HistoryProblems of h and returns a one-line summary
// of the history for the log.
func CheckHistory(t testing.TB, h []nomadbackend.HistoryEntry, live *api.Job) string {
	t.Helper()
	for _, p := range HistoryProblems(h, live) {
		t.Error(p)
	}
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, " %d/v%d/%s", e.Revision, e.JobVersion, e.Outcome)
	}
	return strings.TrimSpace(b.String())
}

// HistoryProblems checks that a history written by ecsgit alone is whole: revisions
// consecutive (one per distinct content: none lost or doubled), Nomad job versions
// consecutive (one register per entry; Nomad's auto-revert after a rolled-back entry
// adds one), no entry left pending, and the newest entry is the live job's version.
func HistoryProblems(h []nomadbackend.HistoryEntry, live *api.Job) []string {
	if len(h) == 0 {
		return []string{"history is empty"}
	}
	var probs []string
	for i, e := range h {
		if e.Outcome == nomadbackend.OutcomePending {
			probs = append(probs, fmt.Sprintf("history entry %d (revision %d) is still pending", i, e.Revision))
		}
		if i == 0 {
			continue
		}
		p := h[i-1]
		if e.Revision != p.Revision+1 {
			probs = append(probs, fmt.Sprintf("history revisions %d then %d: want consecutive (one per applied change, none lost or doubled)", p.Revision, e.Revision))
		}
		if want := nextVersion(p); e.JobVersion != want {
			probs = append(probs, fmt.Sprintf("history job versions v%d (%s) then v%d: want v%d (one register per change)", p.JobVersion, p.Outcome, e.JobVersion, want))
		}
	}
	last := h[len(h)-1]
	want := last.JobVersion
	if last.Outcome == nomadbackend.OutcomeRolledBack {
		want++
	}
	if live == nil {
		probs = append(probs, "the job is gone")
	} else if v := JobVersion(live); v != want {
		probs = append(probs, fmt.Sprintf("live job version v%d, want v%d (newest history entry: v%d %s)", v, want, last.JobVersion, last.Outcome))
	}
	return probs
}

// nextVersion is the job version the register after entry e produces.
func nextVersion(e nomadbackend.HistoryEntry) uint64 {
	if e.Outcome == nomadbackend.OutcomeRolledBack {
		return e.JobVersion + 2 // Nomad's auto-revert registered the previous spec again
	}
	return e.JobVersion + 1
}

// Cluster is the local cluster of scripts/cluster.sh, for stopping and restarting its
// agents (server, client-a, client-b, client-c).
type Cluster struct {
	Root string // module root (scripts/cluster.sh)
	Dir  string // state dir: $ECSGIT_CLUSTER_DIR or <root>/.cluster
}

// LocalCluster finds the cluster the tests use. ECSGIT_TEST_NOMAD_ADDR (another cluster)
// is refused: the suite must own the agents it stops.
func LocalCluster(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv(nomadtest.EnvAddr) != "" {
		t.Fatalf("the fault suite stops and kills agents of the local cluster (scripts/cluster.sh); unset %s", nomadtest.EnvAddr)
	}
	root, err := nomadtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ECSGIT_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	return &Cluster{Root: root, Dir: dir}
}

// Pid is the pid of a running agent (from pids/<agent>.pid).
func (c *Cluster) Pid(agent string) (int, error) {
	b, err := os.ReadFile(filepath.Join(c.Dir, "pids", agent+".pid"))
	if err != nil {
		return 0, fmt.Errorf("agent %s: %w", agent, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("agent %s: pid file: %w", agent, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte("-config="+filepath.Join(c.Dir, "config")+"/")) {
		return 0, fmt.Errorf("agent %s: pid %d is not running this cluster's agent", agent, pid)
	}
	return pid, nil
}

// Signal sends sig to an agent and waits (up to 30 s) until it has exited.
func (c *Cluster) Signal(t testing.TB, agent string, sig syscall.Signal) {
	t.Helper()
	pid, err := c.Pid(agent)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill -%d %s (pid %d): %v", sig, agent, pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.Pid(agent); err != nil {
			t.Logf("agent %s (pid %d) stopped by signal %d", agent, pid, sig)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("agent %s (pid %d) still runs 30 s after signal %d", agent, pid, sig)
}

var minDynPort = regexp.MustCompile(`(?m)^\s*min_dynamic_port\s*=\s*(\d+)`)

// Up runs scripts/cluster.sh up: it restarts the agents that are not running and waits
// for three ready nodes. The script does not remember the dynamic port range; it is taken
// from the running cluster's client-a config so a restarted client keeps its ports.
func (c *Cluster) Up(t testing.TB) {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.Root, "scripts", "cluster.sh"), "up")
	cmd.Env = append(os.Environ(), "ECSGIT_CLUSTER_DIR="+c.Dir)
	if b, err := os.ReadFile(filepath.Join(c.Dir, "config", "client-a.hcl")); err == nil {
		if m := minDynPort.FindSubmatch(b); m != nil {
			cmd.Env = append(cmd.Env, "ECSGIT_NOMAD_DYN_PORT="+string(m[1]))
		}
	}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/cluster.sh up: %v\n%s", err, out)
	}
	t.Logf("scripts/cluster.sh up: cluster ready again in %s", time.Since(start).Round(time.Millisecond))
}

// NodeIDs maps a client agent name (client-a, ...) to its node id (from its data dir).
func (c *Cluster) NodeIDs() map[string]string {
	ids := map[string]string{}
	for _, z := range []string{"a", "b", "c"} {
		if b, err := os.ReadFile(filepath.Join(c.Dir, "data", "client-"+z, "client", "client-id")); err == nil {
			ids["client-"+z] = strings.TrimSpace(string(b))
		}
	}
	return ids
}

// Agent is the name of the client agent of a node id ("" when not ours).
func (c *Cluster) Agent(nodeID string) string {
	for a, id := range c.NodeIDs() {
		if id == nodeID {
			return a
		}
	}
	return ""
}

// Container is a Docker container started by one of this cluster's clients.
type Container struct {
	ID, AllocID, State string
}

// Containers lists the containers of this cluster's nodes in namespace ns, by the
// labels the docker driver puts on them (extra_labels in scripts/cluster.sh).
func (c *Cluster) Containers(ctx context.Context, ns string) ([]Container, error) {
	var cs []Container
	for _, node := range c.NodeIDs() {
		out, err := exec.CommandContext(ctx, "docker", "ps", "-a", "--no-trunc",
			"--filter", "label=com.hashicorp.nomad.node_id="+node,
			"--filter", "label=com.hashicorp.nomad.namespace="+ns,
			"--format", `{{.ID}} {{.Label "com.hashicorp.nomad.alloc_id"}} {{.State}}`).Output()
		if err != nil {
			return nil, fmt.Errorf("docker ps: %w", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Fields(line); len(f) == 3 {
				cs = append(cs, Container{ID: f[0], AllocID: f[1], State: f[2]})
			}
		}
	}
	return cs, nil
}

// ReapOrphans removes the containers of namespace ns whose allocation no longer runs
// (gone from Nomad, or terminal on the client). With the dangling-container reaper off,
// a client killed with -9 leaves such containers running, even after its allocation is
// marked complete and the job is stopped (docs/cluster.md). It returns what it removed.
func (c *Cluster) ReapOrphans(ctx context.Context, nc *api.Client, ns string) ([]Container, error) {
	cs, err := c.Containers(ctx, ns)
	if err != nil {
		return nil, err
	}
	var removed []Container
	for _, ct := range cs {
		a, _, err := nc.Allocations().Info(ct.AllocID, &api.QueryOptions{Namespace: ns})
		switch {
		case err != nil && !strings.Contains(err.Error(), "404"):
			return removed, fmt.Errorf("alloc %s of container %s: %w", ct.AllocID, ct.ID[:12], err)
		case err == nil && !allocTerminal(a):
			continue // its allocation runs (or starts): the client owns it
		}
		if out, err := exec.CommandContext(ctx, "docker", "rm", "-f", ct.ID).CombinedOutput(); err != nil {
			return removed, fmt.Errorf("docker rm -f %s: %v: %s", ct.ID[:12], err, out)
		}
		removed = append(removed, ct)
	}
	return removed, nil
}

func allocTerminal(a *api.Allocation) bool {
	switch a.ClientStatus {
	case api.AllocClientStatusComplete, api.AllocClientStatusFailed, api.AllocClientStatusLost:
		return true
	}
	return false
}

// JobVersion, JobModifyIndex and IsStopped read a Nomad job (0 / false when absent).
func JobVersion(j *api.Job) uint64 {
	if j == nil || j.Version == nil {
		return 0
	}
	return *j.Version
}

func JobModifyIndex(j *api.Job) uint64 {
	if j == nil || j.JobModifyIndex == nil {
		return 0
	}
	return *j.JobModifyIndex
}

// IsStopped reports a job that is deregistered (Stop), as nomadbackend.IsStopped does.
func IsStopped(j *api.Job) bool {
	return j != nil && j.Stop != nil && *j.Stop
}
