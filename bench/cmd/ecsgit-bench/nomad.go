package main

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/nomad/api"
)

// cluster wraps the Nomad API for setup, cleanup and write counting. Nothing here is
// timed: the harness measures the ecsgit and nomad CLI processes only.
type cluster struct {
	addr string
	c    *api.Client
}

func newCluster(addr string) (*cluster, error) {
	cfg := api.DefaultConfig()
	cfg.Address = addr
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &cluster{addr: addr, c: c}, nil
}

func (k *cluster) version() string {
	self, err := k.c.Agent().Self()
	if err != nil {
		return "unknown"
	}
	if v, ok := self.Config["Version"].(map[string]any); ok {
		return fmt.Sprintf("%v%v", v["Version"], v["VersionPrerelease"])
	}
	return "unknown"
}

func (k *cluster) ensureNamespace(ns string) error {
	_, err := k.c.Namespaces().Register(&api.Namespace{Name: ns, Description: "ecsgit-bench scratch namespace"}, nil)
	return err
}

// purge deregisters (purge=true) every job of ns and deletes its variables (ecsgit's
// records), then the namespace itself (best effort).
func (k *cluster) purge(ns string) error {
	q := &api.QueryOptions{Namespace: ns}
	jobs, _, err := k.c.Jobs().List(q)
	if err != nil {
		return err
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	if err := parallel(8, len(ids), func(i int) error {
		_, _, err := k.c.Jobs().Deregister(ids[i], true, &api.WriteOptions{Namespace: ns})
		return err
	}); err != nil {
		return err
	}
	vars, _, err := k.c.Variables().List(q)
	if err == nil {
		_ = parallel(8, len(vars), func(i int) error {
			_, err := k.c.Variables().Delete(vars[i].Path, &api.WriteOptions{Namespace: ns})
			return err
		})
	}
	_, _ = k.c.Namespaces().Delete(ns, nil)
	return nil
}

// writes is a snapshot of everything a write to Nomad would move.
type writes struct {
	Jobs        int    // jobs in the namespace
	JobModSum   uint64 // sum of JobModifyIndex: moves on every job register that changes the job
	Evals       int    // evaluations in the namespace: every register (even identical) and deregister adds one
	Variables   int    // variables in the namespace
	VarModSum   uint64 // sum of the variables' ModifyIndex
	RaftApplied uint64 // the server's Raft last_log_index: every write of any kind
}

func (k *cluster) snapshot(ns string) (writes, error) {
	var w writes
	q := &api.QueryOptions{Namespace: ns}
	jobs, _, err := k.c.Jobs().List(q)
	if err != nil {
		return w, err
	}
	w.Jobs = len(jobs)
	for _, j := range jobs {
		w.JobModSum += j.JobModifyIndex
	}
	evals, _, err := k.c.Evaluations().List(q)
	if err != nil {
		return w, err
	}
	w.Evals = len(evals)
	vars, _, err := k.c.Variables().List(q)
	if err != nil {
		return w, err
	}
	w.Variables = len(vars)
	for _, v := range vars {
		w.VarModSum += v.ModifyIndex
	}
	self, err := k.c.Agent().Self()
	if err != nil {
		return w, err
	}
	if raft, ok := self.Stats["raft"]; ok {
		w.RaftApplied, _ = strconv.ParseUint(raft["last_log_index"], 10, 64)
	}
	return w, nil
}

// jobModifyIndex returns the JobModifyIndex of one job (0: none).
func (k *cluster) jobModifyIndex(ns, id string) uint64 {
	j, _, err := k.c.Jobs().Info(id, &api.QueryOptions{Namespace: ns})
	if err != nil || j == nil || j.JobModifyIndex == nil {
		return 0
	}
	return *j.JobModifyIndex
}

// registerAll registers job files' jobs through the API (setup only, untimed).
func (k *cluster) registerAll(ns string, jobs []*api.Job) error {
	return parallel(8, len(jobs), func(i int) error {
		_, _, err := k.c.Jobs().Register(jobs[i], &api.WriteOptions{Namespace: ns})
		return err
	})
}

func parallel(n, count int, fn func(i int) error) error {
	var mu sync.Mutex
	var first error
	ch := make(chan int)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range count {
		ch <- i
	}
	close(ch)
	wg.Wait()
	return first
}

// awaitEvaluation waits until the scheduler has processed a register's evaluation
// (blocking queries on it; a register that creates none, a periodic job's, has nothing
// to wait for).
func (k *cluster) awaitEvaluation(ns string, resp *api.JobRegisterResponse) error {
	if resp == nil || resp.EvalID == "" {
		return nil
	}
	q := &api.QueryOptions{Namespace: ns, WaitIndex: resp.EvalCreateIndex, WaitTime: 30 * time.Second}
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		ev, meta, err := k.c.Evaluations().Info(resp.EvalID, q)
		if err != nil {
			return fmt.Errorf("evaluation %s: %w", resp.EvalID, err)
		}
		switch ev.Status {
		case api.EvalStatusComplete, api.EvalStatusFailed, api.EvalStatusCancelled, api.EvalStatusBlocked:
			return nil
		}
		q.WaitIndex = max(meta.LastIndex, ev.ModifyIndex)
	}
	return fmt.Errorf("evaluation %s not processed in 10 minutes", resp.EvalID)
}
