package reconcile

// The plan memo (issue 19): what a daemon pass keeps of a service it planned as
// unchanged, so that the next pass, when nothing the service's plan depends on moved,
// neither translates it again nor diffs its ECS documents against its record again.
//
// It rides on the read cache (PlanOptions.Reuse, syncloop/loop_reuse.go): a memo is
// only ever found on the earlier reads of a job that the caller vouches are current (no
// event for the job on Nomad's stream since they were read, younger than the cache's
// maximum age), and it goes when they go: a job event, a stream interruption, a record
// read again. What it holds is a few hundred bytes per service, not the translated job
// (5,000 Nomad jobs would be most of the daemon's memory target).
//
// Two memos, each keyed by every input of what it stands for:
//
//   - translationMemo stands for a translation: the job ID, the translator's fidelity
//     notes, the rollout preview and the secret names. Key: the spec hash (computed
//     without building the job, nomadjob.SpecHash: it covers the task definition, the
//     service, the translator version, the ecsgit.yaml settings the translation reads,
//     the source identity), the test driver (the only translation option outside the
//     hash), and the content keys of the service's and the task definition's files
//     (name and git blob or SHA-256: the positions of the notes come from them). Only
//     services whose translation reads nothing but those are memoized: no load
//     balancers (target group, listener and rule files), no Service Connect (other
//     services' aliases), no scaling (the capacity range moves with the clock and the
//     count follows the live job), no schedule, no pre-deploy task; the others are
//     translated on every pass.
//   - revisionVerdict stands for "the ECS documents show no change against this
//     record": the record's ModifyIndex (its documents), the spec hash (the service and,
//     for a service, the whole task definition) and the task definition's content hash
//     (the task definition describeRevision diffs, also for a schedule whose job runs
//     it overridden).
//
// Neither decides the plan on its own: a memoized service still goes through fromPrior,
// which plans it unchanged only when the reads show the live job is the one ecsgit
// registered from this very spec. Anything else (a changed input, a moved job or
// record) misses the memo and plans the service in full.

import (
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// translationMemo is what a pass keeps of one service's translation (see above).
type translationMemo struct {
	key         [sha256.Size]byte
	jobID       string
	fidelity    []spec.FidelityNote // the translator's notes only (Translation.Fidelity)
	rollout     *plan.Rollout       // read-only: each plan gets a copy
	secretNames []string
}

// revisionVerdict: describeRevision found no ECS change between the record at
// recordIndex and the desired documents of specHash and contentHash.
type revisionVerdict struct {
	recordIndex           uint64
	specHash, contentHash string
}

// memoizable: the service's translation reads only its own file, its task definition's
// file and what the spec hash covers (see above).
func memoizable(svc *spec.ServiceDoc, td *spec.TaskDefinitionDoc) bool {
	return svc.ContentKey != "" && td != nil && td.ContentKey != "" && svc.Scaling == nil && svc.Schedule == nil &&
		len(svc.PreDeploy) == 0 && len(svc.LoadBalancers) == 0 && svc.ServiceConnect() == nil
}

func (pl *planner) memoKey(specHash string, svc *spec.ServiceDoc, td *spec.TaskDefinitionDoc) [sha256.Size]byte {
	h := sha256.New()
	for _, s := range []string{specHash, pl.testDriver, svc.ContentKey, td.ContentKey} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// rememberTranslation keeps on ps what a later pass needs to plan it from the memo (a
// daemon pass only: without PlanOptions.Reuse nothing would ever look).
func (pl *planner) rememberTranslation(ps *PlannedService, sp *plan.ServicePlan, tr *nomadjob.Translation) {
	if pl.reuse == nil || !memoizable(ps.Service, ps.TaskDefinition) {
		return
	}
	in := &pl.memoStrings
	var rollout *plan.Rollout
	if sp.Rollout != nil {
		r := *sp.Rollout
		r.Mechanism, r.WorstCase, r.CircuitBreaker = in.of(r.Mechanism), in.of(r.WorstCase), in.of(r.CircuitBreaker)
		rollout = &r
	}
	var fidelity []spec.FidelityNote
	if len(tr.Fidelity) > 0 {
		fidelity = make([]spec.FidelityNote, len(tr.Fidelity))
		for i, n := range tr.Fidelity {
			n.Field, n.Detail, n.Rule, n.Pos.File = in.of(n.Field), in.of(n.Detail), in.of(n.Rule), in.of(n.Pos.File)
			fidelity[i] = n
		}
	}
	var secretNames []string
	if len(sp.SecretNames) > 0 {
		secretNames = make([]string, len(sp.SecretNames))
		for i, name := range sp.SecretNames {
			secretNames[i] = in.of(name)
		}
	}
	ps.memo = &translationMemo{key: pl.memoKey(tr.SpecHash, ps.Service, ps.TaskDefinition), jobID: sp.JobID,
		fidelity: fidelity, rollout: rollout, secretNames: secretNames}
}

// memoStrings interns the strings of the memos one pass makes. The translator's notes
// of 5,000 services repeat a few texts (the same field, the same consequence), each
// note made a string of its own among the translation's garbage: 5.5 MiB of the heap
// a daemon held between passes at 5,000 services of bench/gen's repository (issue 19),
// and more of the heap's spans in use. The memo keeps one string per text instead.
type memoStrings struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *memoStrings) of(s string) string {
	if s == "" {
		return ""
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if k, ok := in.m[s]; ok {
		return k
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	s = strings.Clone(s) // not a substring pinning a larger text
	in.m[s] = s
	return s
}

// serviceFromMemo plans svc from the memo of the earlier pass, when its key is the one
// of this pass's inputs and fromPrior plans the service unchanged; ok false means plan
// it in full (and any error is that path's to report).
func (pl *planner) serviceFromMemo(svc *spec.ServiceDoc) (plan.ServicePlan, *PlannedService, bool) {
	td := pl.desired.TaskDefinitionFor(svc)
	if pl.reuse == nil || !memoizable(svc, td) {
		return plan.ServicePlan{}, nil, false
	}
	id := nomadjob.JobID(pl.desired.Config, svc.ServiceName)
	prior := pl.reuse(id)
	if prior == nil || prior.memo == nil || prior.memo.jobID != id {
		return plan.ServicePlan{}, nil, false
	}
	hash, err := nomadjob.SpecHash(pl.desired, svc, pl.translateOptions())
	if err != nil || pl.memoKey(hash, svc, td) != prior.memo.key {
		return plan.ServicePlan{}, nil, false
	}
	m := prior.memo
	ps := &PlannedService{Service: svc, TaskDefinition: td, ReadAt: pl.readAt, memo: m,
		Unpause: pl.unpause != nil && pl.unpause(id, hash)}
	sp := plan.ServicePlan{Service: svc.ServiceName, JobID: id, SpecHash: hash, After: svc.After,
		Fidelity: fidelityNotes(td, svc, m.fidelity), Routes: routes(pl.desired, svc),
		ServiceConnect: serviceConnect(pl.desired, svc), SecretNames: m.secretNames}
	if m.rollout != nil {
		r := *m.rollout
		sp.Rollout = &r
	}
	if ok, err := fromPrior(ps, &sp, prior, pl.source); err != nil || !ok {
		return plan.ServicePlan{}, nil, false
	}
	sp.Scaling = scalingView(ps, pl.now) // nil: a memoized service has no scalable target
	return sp, ps, true
}

func (pl *planner) translateOptions() nomadjob.TranslateOptions {
	return nomadjob.TranslateOptions{Source: pl.source, TestDriver: pl.testDriver, Now: pl.now}
}
