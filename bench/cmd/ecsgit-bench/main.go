// Command ecsgit-bench measures ecsgit at scale on a real local Nomad cluster, side by
// side with the Nomad CLI submitting exactly the same jobs, and writes the tables of
// docs/benchmarks.md (between <!-- bench:begin --> and <!-- bench:end -->) and the plots
// docs/img/bench-*.png.
//
//	make bench          # N = 10, 100, 1000 (about 20 minutes)
//	make bench-quick    # N = 10, 100, fewer repetitions
//
// It is not a test: `make test` never runs it. Every ecsgit command is detected at run
// time (`ecsgit <cmd> --help`); a step whose command is missing is reported as "not yet
// available (command missing)", never estimated.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type config struct {
	Ns           []int
	RepsSmall    int // N < 1000
	RepsLarge    int // N >= 1000
	SeqRepsLarge int // sequential CLI loops at N >= 1000 (each is 1,000 processes)
	Parallel     int
	CLIMaxN      int
	ApplyFlags   string
	Seed         uint64
	Steps        map[string]bool
	Soak         time.Duration
	// ConvergeTimeout bounds the daemon's first pass (all N jobs registered).
	ConvergeTimeout time.Duration
	DaemonN         int
	PollInterval    time.Duration
	ProfileDir      string        // daemon heap/goroutine profiles and memstats (empty: none)
	ProfileEvery    time.Duration // interval between daemon profiles
	DaemonEnv       string        // extra environment of the daemon (comma-separated K=V)
	RolloutN        int
	Ecsgit          string
	Nomad           string
	Addr            string
	ClusterDir      string
	Port            int
	Work            string
	Doc             string
	ImgDir          string
	ResultsFile     string
	Quick           bool
	KeepCluster     bool
	Args            string
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("ecsgit-bench: ")
	var c config
	var ns, steps string
	flag.StringVar(&ns, "n", "10,100,1000", "service counts N")
	flag.BoolVar(&c.Quick, "quick", false, "N = 10,100 and fewer repetitions (make bench-quick)")
	flag.IntVar(&c.RepsSmall, "reps", 5, "repetitions for N < 1000")
	flag.IntVar(&c.RepsLarge, "reps-large", 3, "repetitions for N >= 1000")
	flag.IntVar(&c.SeqRepsLarge, "seq-reps-large", 3, "repetitions of the SEQUENTIAL Nomad CLI loops for N >= 1000 (1,000 processes each, about 1 min per loop)")
	flag.StringVar(&c.ApplyFlags, "apply-flags", "", "extra flags of every timed `ecsgit apply` (e.g. \"--parallelism 16\")")
	flag.IntVar(&c.CLIMaxN, "cli-max-n", 0, "run the Nomad CLI loops only up to this N (0: at every N; e.g. 1000 leaves them out at N = 5,000, where they would take most of an hour)")
	flag.IntVar(&c.Parallel, "parallel", 8, "concurrency of the parallel Nomad CLI loop (xargs -P)")
	flag.Uint64Var(&c.Seed, "seed", 1, "generator seed")
	flag.StringVar(&steps, "steps", "validate,plan,apply,noop,daemon,rollout,gobench", "steps to run")
	flag.DurationVar(&c.ConvergeTimeout, "converge-timeout", 10*time.Minute, "how long the daemon step waits for the first pass to register all N jobs (5,000 on a shared machine can take longer than the default)")
	flag.DurationVar(&c.Soak, "soak", 3*time.Minute, "daemon memory window (the issue asks for 30m at 1,000 services: -soak 30m)")
	flag.IntVar(&c.DaemonN, "daemon-n", 0, "services held by the daemon (default: the largest N)")
	flag.DurationVar(&c.PollInterval, "poll-interval", 10*time.Second, "ecsgit sync --interval for the poll latency")
	flag.StringVar(&c.ProfileDir, "daemon-profiles", "", "run the daemon with --pprof-listen and save heap/goroutine profiles and a memstats CSV into this directory")
	flag.DurationVar(&c.ProfileEvery, "profile-every", 2*time.Minute, "interval between the daemon's profiles (-daemon-profiles)")
	flag.StringVar(&c.DaemonEnv, "daemon-env", "", "extra environment for the daemon, comma-separated K=V (e.g. GOMEMLIMIT=80MiB)")
	flag.IntVar(&c.RolloutN, "rollout-n", 10, "services in the mock_driver rollout step")
	flag.StringVar(&c.Ecsgit, "ecsgit", "bin/ecsgit", "ecsgit binary (built from ./cmd/ecsgit first)")
	flag.StringVar(&c.Nomad, "nomad", "", "nomad binary (default: scripts/nomad-bin.sh)")
	flag.StringVar(&c.Addr, "addr", "", "use this running Nomad instead of starting the benchmark cluster")
	flag.StringVar(&c.ClusterDir, "cluster-dir", "/tmp/ecsgit-bench-cluster", "benchmark cluster directory (scripts/cluster.sh, ECSGIT_CLUSTER_DIR)")
	flag.IntVar(&c.Port, "port", 8646, "benchmark cluster's server HTTP port (ECSGIT_NOMAD_PORT)")
	flag.BoolVar(&c.KeepCluster, "keep-cluster", true, "leave the benchmark cluster running afterwards")
	flag.StringVar(&c.Work, "work", "", "scratch directory (default: a new temp dir)")
	flag.StringVar(&c.Doc, "doc", "docs/benchmarks.md", "document to update between the bench markers")
	flag.StringVar(&c.ImgDir, "img", "docs/img", "directory for the PNG plots")
	flag.StringVar(&c.ResultsFile, "results", "bench/results.json", "raw results (JSON)")
	flag.Parse()
	c.Args = strings.Join(os.Args[1:], " ")
	if c.Quick {
		ns = "10,100"
		c.RepsSmall = 3
		if c.Soak == 3*time.Minute {
			c.Soak = time.Minute
		}
	}
	for _, f := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			log.Fatalf("-n: bad count %q", f)
		}
		c.Ns = append(c.Ns, n)
	}
	c.Steps = map[string]bool{}
	for _, s := range strings.Split(steps, ",") {
		c.Steps[strings.TrimSpace(s)] = true
	}
	if c.DaemonN == 0 {
		c.DaemonN = c.Ns[len(c.Ns)-1]
	}
	if err := run(context.Background(), &c); err != nil {
		log.Fatal(err)
	}
}

func (c *config) reps(n int) int {
	if n >= 1000 {
		return c.RepsLarge
	}
	return c.RepsSmall
}

func (c *config) seqReps(n int) int {
	if n >= 1000 {
		return c.SeqRepsLarge
	}
	return c.RepsSmall
}

func run(ctx context.Context, c *config) error {
	start := time.Now()
	log.Printf("building %s", c.Ecsgit)
	if out, err := exec.Command("go", "build", "-o", c.Ecsgit, "./cmd/ecsgit").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	abs, err := filepath.Abs(c.Ecsgit)
	if err != nil {
		return err
	}
	c.Ecsgit = abs
	if c.Nomad == "" {
		out, err := exec.Command("scripts/nomad-bin.sh").Output()
		if err != nil {
			return fmt.Errorf("scripts/nomad-bin.sh: %v", err)
		}
		c.Nomad = strings.TrimSpace(string(out))
	}
	if c.Addr == "" {
		log.Printf("starting the benchmark cluster in %s (port %d)", c.ClusterDir, c.Port)
		cmd := exec.Command("scripts/cluster.sh", "up")
		cmd.Env = append(os.Environ(), "ECSGIT_CLUSTER_DIR="+c.ClusterDir, "ECSGIT_NOMAD_PORT="+strconv.Itoa(c.Port))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cluster up: %w", err)
		}
		c.Addr = fmt.Sprintf("http://127.0.0.1:%d", c.Port)
		if !c.KeepCluster {
			defer func() {
				cmd := exec.Command("scripts/cluster.sh", "down")
				cmd.Env = append(os.Environ(), "ECSGIT_CLUSTER_DIR="+c.ClusterDir, "ECSGIT_NOMAD_PORT="+strconv.Itoa(c.Port))
				_ = cmd.Run()
			}()
		}
	}
	if c.Work == "" {
		c.Work, err = os.MkdirTemp("", "ecsgit-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(c.Work)
	}
	k, err := newCluster(c.Addr)
	if err != nil {
		return err
	}
	b := &bench{c: c, k: k, runID: time.Now().UTC().Format("150405")}
	b.res.Machine = machine(c, k)
	b.res.Started = start.UTC()
	b.res.Config = *c
	b.detect(ctx)

	for _, n := range c.Ns {
		if c.Steps["validate"] {
			b.stepValidate(ctx, n)
		}
		if c.Steps["plan"] {
			b.stepPlan(ctx, n)
		}
		if c.Steps["apply"] || c.Steps["noop"] {
			b.stepApply(ctx, n)
		}
	}
	if c.Steps["rollout"] {
		b.stepRollout(ctx)
	}
	if c.Steps["daemon"] {
		b.stepDaemon(ctx)
	}
	if c.Steps["gobench"] {
		b.stepGoBench(ctx)
	}
	b.res.Duration = time.Since(start).Round(time.Second).String()
	if err := b.save(); err != nil {
		return err
	}
	log.Printf("done in %s; wrote %s, %s, %s/bench-*.png", b.res.Duration, c.Doc, c.ResultsFile, c.ImgDir)
	return nil
}
