package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/bench/gen"
)

const (
	modeControl = "control plane (desiredCount 0, no allocations)"
	modeMock    = "mock_driver (ECSGIT_TEST_DRIVER=mock_driver, desiredCount 1–3)"
	missing     = "not yet available (command missing)"
)

// Row is one measured quantity: a tool doing a step at one N.
type Row struct {
	Step        string `json:"step"`
	N           int    `json:"n"`
	Mode        string `json:"mode"`
	Tool        string `json:"tool"` // "ecsgit", "nomad CLI sequential", "nomad CLI parallel", toolAPI
	Cmd         string `json:"cmd"`
	Stat        Stat   `json:"stat"` // seconds
	Note        string `json:"note,omitempty"`
	Unavailable string `json:"unavailable,omitempty"`
	Err         string `json:"error,omitempty"`
}

// NoopRow is one no-op apply: wall time and what it wrote.
type NoopRow struct {
	N           int    `json:"n"`
	Stat        Stat   `json:"stat"`
	JobRegs     []int  `json:"job_registers"` // jobs whose JobModifyIndex moved
	Evals       []int  `json:"evals"`
	VarWrites   []int  `json:"variable_writes"`
	RaftEntries []int  `json:"raft_entries"`
	Unavailable string `json:"unavailable,omitempty"`
	Err         string `json:"error,omitempty"`
}

// RolloutRow is ecsgit's overhead around Nomad's deployments.
type RolloutRow struct {
	N           int    `json:"n"`
	Kind        string `json:"kind"` // "create" or "update all"
	Apply       Stat   `json:"apply"`
	Deploy      Stat   `json:"deploy"`   // span of the deployments: min CreateTime .. max ModifyTime
	Overhead    Stat   `json:"overhead"` // apply - deploy
	Unavailable string `json:"unavailable,omitempty"`
	Err         string `json:"error,omitempty"`
}

// DaemonResult is the sync daemon's latency and memory.
type DaemonResult struct {
	N            int       `json:"n"`
	Converge     float64   `json:"converge_s"` // start → all N jobs registered
	Webhook      Stat      `json:"webhook"`    // commit → registered, seconds
	Poll         Stat      `json:"poll"`
	PollInterval string    `json:"poll_interval"`
	Window       string    `json:"window"`
	RSSMiB       []float64 `json:"rss_mib"` // sampled every rssEvery
	RSSEvery     string    `json:"rss_every"`
	Unavailable  string    `json:"unavailable,omitempty"`
	Err          string    `json:"error,omitempty"`
}

type Machine struct {
	CPUs, CPUModel, Memory, Kernel, Go, Nomad, Ecsgit, Date, Commit string
}

type Results struct {
	Machine  Machine       `json:"machine"`
	Config   config        `json:"config"`
	Started  time.Time     `json:"started"`
	Duration string        `json:"duration"`
	Rows     []Row         `json:"rows"`
	Noop     []NoopRow     `json:"noop"`
	Rollout  []RolloutRow  `json:"rollout"`
	Daemon   *DaemonResult `json:"daemon,omitempty"`
	GoBench  string        `json:"gobench,omitempty"`
}

type bench struct {
	c     *config
	k     *cluster
	runID string
	res   Results
	has   map[string]bool // ecsgit commands present
	seq   int
}

func (b *bench) detect(ctx context.Context) {
	b.has = map[string]bool{}
	for _, cmd := range []string{"validate", "plan", "apply", "sync"} {
		r, err := runCmd(ctx, nil, b.c.Ecsgit, cmd, "--help")
		b.has[cmd] = err == nil && r.Code == 0 && !strings.Contains(r.Stderr, "unknown command")
		log.Printf("ecsgit %s: present=%v", cmd, b.has[cmd])
	}
}

// ns returns a fresh namespace name, created in Nomad.
func (b *bench) ns(tag string) string {
	b.seq++
	ns := fmt.Sprintf("bench-%s-%d-%s", b.runID, b.seq, tag)
	if err := b.k.ensureNamespace(ns); err != nil {
		log.Printf("namespace %s: %v", ns, err)
	}
	return ns
}

// generate writes generation gen of an N-service repository for namespace ns.
func (b *bench) generate(n int, ns string, generation int, mock bool) (*gen.Repo, error) {
	o := gen.Options{N: n, Seed: b.c.Seed, Namespace: ns, Source: "default", Generation: generation, ChangedFraction: 0.1}
	if mock {
		o.Driver, o.DesiredCount = gen.MockDriver, -1
		o.ChangedFraction = 1
	}
	return gen.Generate(filepath.Join(b.c.Work, fmt.Sprintf("%s-g%d", ns, generation)), o)
}

func (b *bench) nomadEnv(ns string) []string {
	return []string{"NOMAD_ADDR=" + b.k.addr, "NOMAD_NAMESPACE=" + ns}
}

func (b *bench) add(r Row) {
	if r.Err != "" {
		log.Printf("%s N=%d %s: ERROR %s", r.Step, r.N, r.Tool, r.Err)
	} else if r.Unavailable == "" {
		log.Printf("%s N=%d %-24s median %.3fs (min %.3f, max %.3f, runs %d)", r.Step, r.N, r.Tool, r.Stat.Median(), r.Stat.Min(), r.Stat.Max(), r.Stat.N())
	}
	b.res.Rows = append(b.res.Rows, r)
}

// ---- 1. validate ----

func (b *bench) stepValidate(ctx context.Context, n int) {
	ns := b.ns(fmt.Sprintf("n%d-validate", n))
	defer b.k.purge(ns)
	repo, err := b.generate(n, ns, 0, false)
	if err != nil {
		b.add(Row{Step: "validate", N: n, Mode: modeControl, Tool: "ecsgit", Err: err.Error()})
		return
	}
	e := Row{Step: "validate", N: n, Mode: modeControl, Tool: "ecsgit", Cmd: "ecsgit validate REPO"}
	s := Row{Step: "validate", N: n, Mode: modeControl, Tool: "nomad CLI sequential", Cmd: "for f in jobs/*.json; do nomad job validate -json $f; done"}
	if !b.has["validate"] {
		e.Unavailable = missing
	}
	b.skipCLI(&s)
	for i := 0; i < max(b.c.reps(n), b.c.seqReps(n)); i++ {
		if e.Unavailable == "" && e.Err == "" && i < b.c.reps(n) {
			r, err := runCmd(ctx, nil, b.c.Ecsgit, "validate", repo.Dir)
			if err == nil && r.Code != 0 {
				err = fmt.Errorf("exit %d: %s", r.Code, tail(r.Stdout+r.Stderr, 300))
			}
			if err != nil {
				e.Err = err.Error()
			} else {
				e.Stat.Add(r.Wall.Seconds())
			}
		}
		if s.Err == "" && s.Unavailable == "" && i < b.c.seqReps(n) {
			d, err := loopCLI(ctx, b.nomadEnv(ns), 1, repo.JobFiles, []int{0}, b.c.Nomad, "job", "validate", "-json")
			if err != nil {
				s.Err = err.Error()
			} else {
				s.Stat.Add(d.Seconds())
			}
		}
	}
	b.add(e)
	b.add(s)
}

// ---- 2. plan, nothing changed ----

func (b *bench) stepPlan(ctx context.Context, n int) {
	ns := b.ns(fmt.Sprintf("n%d-plan", n))
	defer b.k.purge(ns)
	repo, err := b.generate(n, ns, 0, false)
	e := Row{Step: "plan (no change)", N: n, Mode: modeControl, Tool: "ecsgit", Cmd: "ecsgit plan --detailed-exitcode REPO"}
	s := Row{Step: "plan (no change)", N: n, Mode: modeControl, Tool: "nomad CLI sequential", Cmd: "for f in jobs/*.json; do nomad job plan -json $f; done"}
	p := Row{Step: "plan (no change)", N: n, Mode: modeControl, Tool: "nomad CLI parallel", Cmd: fmt.Sprintf("ls jobs/*.json | xargs -P %d -n 1 nomad job plan -json", b.c.Parallel)}
	if err != nil {
		e.Err = err.Error()
		b.add(e)
		return
	}
	// Setup (untimed): the services exist, as ecsgit would have left them.
	if b.has["apply"] {
		r, err := runCmd(ctx, nil, b.c.Ecsgit, "apply", "--auto-approve", "--address", b.k.addr, repo.Dir)
		if err == nil && r.Code != 0 {
			err = fmt.Errorf("setup apply: exit %d: %s", r.Code, tail(r.Stderr+r.Stdout, 300))
		}
		if err != nil {
			e.Err = err.Error()
		}
	} else {
		e.Note = "jobs registered through the API beforehand (no `ecsgit apply` yet, so no ecsgit records: the plan shows updates, not no-ops)"
		if err := b.k.registerAll(ns, readJobs(repo.JobFiles)); err != nil {
			e.Err = "setup register: " + err.Error()
		}
	}
	if !b.has["plan"] {
		e.Unavailable = missing
	}
	b.skipCLI(&s)
	b.skipCLI(&p)
	for i := 0; i < max(b.c.reps(n), b.c.seqReps(n)); i++ {
		if e.Unavailable == "" && e.Err == "" && i < b.c.reps(n) {
			r, err := runCmd(ctx, nil, b.c.Ecsgit, "plan", "--detailed-exitcode", "--address", b.k.addr, repo.Dir)
			if err == nil && r.Code != 0 && r.Code != 2 {
				err = fmt.Errorf("exit %d: %s", r.Code, tail(r.Stderr+r.Stdout, 300))
			}
			if err != nil {
				e.Err = err.Error()
			} else {
				e.Stat.Add(r.Wall.Seconds())
				e.Note = strings.TrimSpace(e.Note + " " + fmt.Sprintf("exit %d; %s", r.Code, lastLine(r.Stdout)))
				if i > 0 {
					e.Note = fmt.Sprintf("exit %d; %s", r.Code, lastLine(r.Stdout))
				}
			}
		}
		if s.Err == "" && s.Unavailable == "" && i < b.c.seqReps(n) {
			d, err := loopCLI(ctx, b.nomadEnv(ns), 1, repo.JobFiles, []int{0, 1}, b.c.Nomad, "job", "plan", "-json")
			if err != nil {
				s.Err = err.Error()
			} else {
				s.Stat.Add(d.Seconds())
			}
		}
		if p.Err == "" && p.Unavailable == "" && i < b.c.reps(n) {
			d, err := loopCLI(ctx, b.nomadEnv(ns), b.c.Parallel, repo.JobFiles, []int{0, 1}, b.c.Nomad, "job", "plan", "-json")
			if err != nil {
				p.Err = err.Error()
			} else {
				p.Stat.Add(d.Seconds())
			}
		}
	}
	b.add(e)
	b.add(s)
	b.add(p)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func readJobs(files []string) []*api.Job {
	var out []*api.Job
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var w struct{ Job *api.Job }
		if json.Unmarshal(raw, &w) == nil && w.Job != nil {
			out = append(out, w.Job)
		}
	}
	return out
}

// ---- 3. apply new / 10 % changed, 4. no-op apply ----

// toolAPI is the physical limit of the cluster for an apply: the same jobs registered
// straight through Nomad's HTTP API by apiClients concurrent clients, with no bookkeeping
// (no plan, no records, no watching). Every apply figure is also given as a ratio to it.
const toolAPI = "Nomad HTTP API"

// toolAPIEval and toolAPIPlan are the same registrations with what an apply that
// reports an outcome cannot skip: the register's evaluation processed by the scheduler
// (toolAPIEval: all registers, then every evaluation awaited), and in addition the
// scheduler's dry-run of each job before its register (toolAPIPlan: the placement
// check of a plan; per job, dry-run → register → evaluation). They do not replace the
// issue's limit (toolAPI): they show how much of ecsgit's distance to it is the
// scheduler's work that the plain registers leave queued when their clock stops.
const (
	toolAPIEval = "Nomad HTTP API + evaluations"
	toolAPIPlan = "Nomad HTTP API: dry-run, register, evaluation"
)

// apiTools are the raw-API baselines of the apply step, in table order.
var apiTools = []string{toolAPI, toolAPIEval, toolAPIPlan}

// apiClients is the size of the raw API baseline's client pool: ecsgit's own fan-out bound
// (nomadbackend.DefaultConcurrency), so the comparison is at equal concurrency.
const apiClients = 16

// changedFiles lists the files of next whose content differs from the same position in
// prev: the registrations an apply of the change needs, and all the API baseline makes.
func changedFiles(prev, next []string) []string {
	var out []string
	for i, f := range next {
		a, errA := os.ReadFile(f)
		var b []byte
		var errB error
		if i < len(prev) {
			b, errB = os.ReadFile(prev[i])
		}
		if i >= len(prev) || errA != nil || errB != nil || !bytes.Equal(a, b) {
			out = append(out, f)
		}
	}
	return out
}

// skipCLI marks a Nomad CLI row as not run above -cli-max-n (N = 5,000: the loops
// start a process per file and would take most of an hour).
func (b *bench) skipCLI(r *Row) {
	if !b.c.cliLoops(r.N) {
		r.Unavailable = fmt.Sprintf("not run (-cli-max-n %d)", b.c.CLIMaxN)
	}
}

func (c *config) cliLoops(n int) bool { return c.CLIMaxN == 0 || n <= c.CLIMaxN }

// apiRegister registers every job of files through the API with apiClients workers, the
// way tool says (toolAPI, toolAPIEval, toolAPIPlan), and returns the wall time.
func (b *bench) apiRegister(ns, tool string, files []string) (time.Duration, error) {
	jobs := readJobs(files)
	if len(jobs) != len(files) {
		return 0, fmt.Errorf("read %d of %d job files", len(jobs), len(files))
	}
	w := &api.WriteOptions{Namespace: ns}
	evals := make([]*api.JobRegisterResponse, len(jobs))
	start := time.Now()
	err := parallel(apiClients, len(jobs), func(i int) error {
		if tool == toolAPIPlan {
			if _, _, err := b.k.c.Jobs().Plan(jobs[i], true, w); err != nil {
				return fmt.Errorf("dry-run of %s: %w", *jobs[i].ID, err)
			}
		}
		resp, _, err := b.k.c.Jobs().Register(jobs[i], w)
		if err != nil || tool != toolAPIPlan {
			evals[i] = resp
			return err
		}
		return b.k.awaitEvaluation(ns, resp)
	})
	if err == nil && tool == toolAPIEval {
		err = parallel(apiClients, len(evals), func(i int) error { return b.k.awaitEvaluation(ns, evals[i]) })
	}
	return time.Since(start), err
}

func (b *bench) stepApply(ctx context.Context, n int) {
	steps := []string{"apply (N new)", "apply (10 % changed)"}
	rows := map[string]*Row{}
	for _, st := range steps {
		for _, tool := range append([]string{"ecsgit", "nomad CLI sequential", "nomad CLI parallel"}, apiTools...) {
			r := &Row{Step: st, N: n, Mode: modeControl, Tool: tool}
			switch tool {
			case "ecsgit":
				r.Cmd = strings.Join(append([]string{"ecsgit apply --auto-approve"}, strings.Fields(b.c.ApplyFlags)...), " ") + " REPO"
			case toolAPI, toolAPIEval, toolAPIPlan:
				r.Cmd = map[string]string{
					toolAPI:     "PUT /v1/jobs",
					toolAPIEval: "PUT /v1/jobs, then GET /v1/evaluation/ID (blocking) until each evaluation is complete",
					toolAPIPlan: "per job: POST /v1/job/ID/plan (diff), PUT /v1/jobs, GET /v1/evaluation/ID (blocking) until complete",
				}[tool] + fmt.Sprintf(" from %d concurrent API clients (Go api.Client, one process)", apiClients)
				if st == steps[1] {
					r.Note = "registers only the changed jobs, the registrations ecsgit's apply makes"
				}
			case "nomad CLI sequential":
				r.Cmd = "for f in jobs/*.json; do nomad job run -detach -json $f; done"
			default:
				r.Cmd = fmt.Sprintf("ls jobs/*.json | xargs -P %d -n 1 nomad job run -detach -json", b.c.Parallel)
			}
			if st == steps[1] && tool != "ecsgit" {
				r.Note = "the loop submits all N files (a changed-files-only loop would need the diff ecsgit computes)"
			}
			rows[st+"|"+tool] = r
		}
	}
	for _, st := range steps {
		b.skipCLI(rows[st+"|nomad CLI sequential"])
		b.skipCLI(rows[st+"|nomad CLI parallel"])
	}
	noop := NoopRow{N: n}
	if !b.has["apply"] {
		rows[steps[0]+"|ecsgit"].Unavailable = missing
		rows[steps[1]+"|ecsgit"].Unavailable = missing
		noop.Unavailable = missing
	}
	for i := 0; i < max(b.c.reps(n), b.c.seqReps(n)); i++ {
		// ecsgit
		if b.has["apply"] && i < b.c.reps(n) && rows[steps[0]+"|ecsgit"].Err == "" {
			ns := b.ns(fmt.Sprintf("n%d-apply-e", n))
			g0, err0 := b.generate(n, ns, 0, false)
			g1, err1 := b.generate(n, ns, 1, false)
			if err0 != nil || err1 != nil {
				rows[steps[0]+"|ecsgit"].Err = fmt.Sprint(err0, err1)
			} else {
				b.ecsgitApply(ctx, rows[steps[0]+"|ecsgit"], g0.Dir)
				b.ecsgitApply(ctx, rows[steps[1]+"|ecsgit"], g1.Dir)
				b.noopApply(ctx, &noop, ns, g1.Dir)
			}
			b.k.purge(ns)
		}
		// The raw API limits, same jobs, interleaved with the others rep by rep.
		for k, tool := range apiTools {
			if i >= b.c.reps(n) || rows[steps[0]+"|"+tool].Err != "" {
				continue
			}
			ns := b.ns(fmt.Sprintf("n%d-apply-api%d", n, k))
			g0, err0 := b.generate(n, ns, 0, false)
			g1, err1 := b.generate(n, ns, 1, false)
			if err0 != nil || err1 != nil {
				rows[steps[0]+"|"+tool].Err = fmt.Sprint(err0, err1)
			} else if err := b.k.ensureNamespace(ns); err != nil {
				rows[steps[0]+"|"+tool].Err = err.Error()
			} else {
				for j, files := range [][]string{g0.JobFiles, changedFiles(g0.JobFiles, g1.JobFiles)} {
					r := rows[steps[j]+"|"+tool]
					if d, err := b.apiRegister(ns, tool, files); err != nil {
						r.Err = err.Error()
					} else {
						r.Stat.Add(d.Seconds())
					}
				}
			}
			b.k.purge(ns)
		}
		// Nomad CLI, sequential then parallel
		for _, par := range []int{1, b.c.Parallel} {
			tool := "nomad CLI sequential"
			reps := b.c.seqReps(n)
			if par > 1 {
				tool, reps = "nomad CLI parallel", b.c.reps(n)
			}
			if i >= reps || rows[steps[0]+"|"+tool].Err != "" || !b.c.cliLoops(n) {
				continue
			}
			ns := b.ns(fmt.Sprintf("n%d-apply-%d", n, par))
			g0, err0 := b.generate(n, ns, 0, false)
			g1, err1 := b.generate(n, ns, 1, false)
			if err0 != nil || err1 != nil {
				rows[steps[0]+"|"+tool].Err = fmt.Sprint(err0, err1)
				continue
			}
			for j, g := range []*gen.Repo{g0, g1} {
				r := rows[steps[j]+"|"+tool]
				d, err := loopCLI(ctx, b.nomadEnv(ns), par, g.JobFiles, []int{0}, b.c.Nomad, "job", "run", "-detach", "-json")
				if err != nil {
					r.Err = err.Error()
				} else {
					r.Stat.Add(d.Seconds())
				}
			}
			b.k.purge(ns)
		}
	}
	for _, st := range steps {
		for _, tool := range append([]string{"ecsgit", "nomad CLI sequential", "nomad CLI parallel"}, apiTools...) {
			b.add(*rows[st+"|"+tool])
		}
	}
	b.res.Noop = append(b.res.Noop, noop)
}

// applyArgs is the ecsgit apply command line, with -apply-flags.
func (b *bench) applyArgs(dir string) []string {
	args := append([]string{"apply", "--auto-approve", "--address", b.k.addr}, strings.Fields(b.c.ApplyFlags)...)
	return append(args, dir)
}

func (b *bench) ecsgitApply(ctx context.Context, row *Row, dir string) {
	if row.Err != "" {
		return
	}
	r, err := runCmd(ctx, nil, append([]string{b.c.Ecsgit}, b.applyArgs(dir)...)...)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("exit %d: %s", r.Code, tail(r.Stderr+r.Stdout, 300))
	}
	if err != nil {
		row.Err = err.Error()
		return
	}
	row.Stat.Add(r.Wall.Seconds())
	row.Note = lastLine(r.Stdout)
}

func (b *bench) noopApply(ctx context.Context, row *NoopRow, ns, dir string) {
	if row.Err != "" {
		return
	}
	before, err := b.k.snapshot(ns)
	if err != nil {
		row.Err = err.Error()
		return
	}
	q := &api.QueryOptions{Namespace: ns}
	jobsBefore, _, _ := b.k.c.Jobs().List(q)
	r, err := runCmd(ctx, nil, append([]string{b.c.Ecsgit}, b.applyArgs(dir)...)...)
	if err == nil && r.Code != 0 {
		err = fmt.Errorf("exit %d: %s", r.Code, tail(r.Stderr+r.Stdout, 300))
	}
	if err != nil {
		row.Err = err.Error()
		return
	}
	after, err := b.k.snapshot(ns)
	if err != nil {
		row.Err = err.Error()
		return
	}
	jobsAfter, _, _ := b.k.c.Jobs().List(q)
	idx := map[string]uint64{}
	for _, j := range jobsBefore {
		idx[j.ID] = j.JobModifyIndex
	}
	regs := 0
	for _, j := range jobsAfter {
		if idx[j.ID] != j.JobModifyIndex {
			regs++
		}
	}
	row.Stat.Add(r.Wall.Seconds())
	row.JobRegs = append(row.JobRegs, regs)
	row.Evals = append(row.Evals, after.Evals-before.Evals)
	varWrites := 0
	if after.VarModSum != before.VarModSum || after.Variables != before.Variables {
		varWrites = max(1, after.Variables-before.Variables)
	}
	row.VarWrites = append(row.VarWrites, varWrites)
	row.RaftEntries = append(row.RaftEntries, int(after.RaftApplied-before.RaftApplied))
	log.Printf("no-op apply N=%d: %.3fs, job registers %d, evals %d, variable writes %d, raft entries %d",
		row.N, r.Wall.Seconds(), regs, after.Evals-before.Evals, varWrites, after.RaftApplied-before.RaftApplied)
}

// ---- 6. rollout overhead (mock_driver) ----

func (b *bench) stepRollout(ctx context.Context) {
	n := b.c.RolloutN
	create := RolloutRow{N: n, Kind: "create"}
	update := RolloutRow{N: n, Kind: "update every service"}
	defer func() { b.res.Rollout = append(b.res.Rollout, create, update) }()
	if !b.has["apply"] {
		create.Unavailable, update.Unavailable = missing, missing
		return
	}
	env := []string{gen.TestDriverEnv + "=mock_driver"}
	for range b.c.reps(n) {
		ns := b.ns(fmt.Sprintf("n%d-rollout", n))
		g0, err0 := b.generate(n, ns, 0, true)
		g1, err1 := b.generate(n, ns, 1, true)
		if err0 != nil || err1 != nil {
			create.Err = fmt.Sprint(err0, err1)
			return
		}
		for _, x := range []struct {
			row *RolloutRow
			dir string
		}{{&create, g0.Dir}, {&update, g1.Dir}} {
			since := time.Now()
			r, err := runCmd(ctx, env, b.c.Ecsgit, "apply", "--auto-approve", "--timeout", "3m", "--address", b.k.addr, x.dir)
			if err == nil && r.Code != 0 {
				err = fmt.Errorf("exit %d: %s", r.Code, tail(r.Stderr+r.Stdout, 300))
			}
			if err != nil {
				x.row.Err = err.Error()
				break
			}
			span, err := b.deploySpan(ns, since)
			if err != nil {
				x.row.Err = err.Error()
				break
			}
			x.row.Apply.Add(r.Wall.Seconds())
			x.row.Deploy.Add(span.Seconds())
			x.row.Overhead.Add(r.Wall.Seconds() - span.Seconds())
			log.Printf("rollout N=%d %s: apply %.2fs, deployments %.2fs", n, x.row.Kind, r.Wall.Seconds(), span.Seconds())
		}
		b.k.purge(ns)
	}
}

// deploySpan is the time from the first deployment created after since to the last
// allocation created since then marked healthy (Nomad 1.11.3 leaves the deployment's
// ModifyTime at 0, so its end is read from the allocations' health timestamps).
func (b *bench) deploySpan(ns string, since time.Time) (time.Duration, error) {
	q := &api.QueryOptions{Namespace: ns}
	deps, _, err := b.k.c.Deployments().List(q)
	if err != nil {
		return 0, err
	}
	var lo int64
	for _, d := range deps {
		if d.CreateTime < since.UnixNano() {
			continue
		}
		if lo == 0 || d.CreateTime < lo {
			lo = d.CreateTime
		}
	}
	if lo == 0 {
		return 0, fmt.Errorf("no deployment created in %s", ns)
	}
	allocs, _, err := b.k.c.Allocations().List(q)
	if err != nil {
		return 0, err
	}
	var hi time.Time
	for _, a := range allocs {
		if a.CreateTime >= since.UnixNano() && a.DeploymentStatus != nil && a.DeploymentStatus.Timestamp.After(hi) {
			hi = a.DeploymentStatus.Timestamp
		}
	}
	if hi.IsZero() {
		return 0, fmt.Errorf("no allocation health timestamp in %s", ns)
	}
	return time.Duration(hi.UnixNano() - lo), nil
}

// ---- Go benchmarks ----

func (b *bench) stepGoBench(ctx context.Context) {
	count := "3"
	if b.c.Quick {
		count = "1"
	}
	// The bench package is in its own module (bench/go.mod), so it is tested from there;
	// only its pipeline benchmark is part of this step, as before the split.
	runs := [][]string{
		{"go", "-C", "bench", "test", "-run", "^$", "-bench", "OfflinePlan", "-benchmem", "-count", count, "."},
		{"go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", count, "./internal/spec/", "./internal/plan/", "./internal/nomadbackend/nomadjob/"},
	}
	var cmds, keep []string
	for _, args := range runs {
		cmds = append(cmds, strings.Join(args, " "))
		log.Printf("%s", strings.Join(args, " "))
		r, err := runCmd(ctx, nil, args...)
		for _, l := range strings.Split(r.Stdout, "\n") {
			if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "FAIL") {
				keep = append(keep, l)
			}
		}
		if err != nil {
			keep = append(keep, "error: "+err.Error())
		}
	}
	b.res.GoBench = "    " + strings.Join(cmds, "\n    ") + "\n\n    " + strings.Join(keep, "\n    ")
}

func machine(c *config, k *cluster) Machine {
	m := Machine{CPUs: fmt.Sprint(runtime.NumCPU()), Go: runtime.Version(), Nomad: k.version(), Date: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPUModel = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.SplitN(string(raw), "\n", 2)[0], "MemTotal: %d kB", &kb)
		m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	if r, err := runCmd(context.Background(), nil, c.Ecsgit, "version"); err == nil {
		m.Ecsgit = lastLine(r.Stdout)
	}
	if r, err := runCmd(context.Background(), nil, "git", "rev-parse", "--short", "HEAD"); err == nil {
		m.Commit = strings.TrimSpace(r.Stdout)
	}
	return m
}
