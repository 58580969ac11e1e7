package nomadjob

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/golden"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// goldenCases are the directories under testdata/translate; each holds one service and
// its task definition, and has two golden files beside it: <case>.job.json (exactly what
// is submitted) and <case>.notes.txt (rollout + fidelity report).
var goldenCases = []struct{ name, reason string }{
	{"container-config", "command→args, entryPoint, env, labels/ulimits/sysctl as lists of maps, user, logging, ports (named, static, udp), stopTimeout above the client cap"},
	{"linux-volumes", "capabilities, init, shm_size in bytes, tmpfs, devices, bind/volume mounts, EFS and volumesFrom unsupported"},
	{"lifecycle", "essential/dependsOn → prestart, prestart sidecar, poststart sidecar, main; COMPLETE/HEALTHY/main-to-main notes"},
	{"healthchecks", "--probe, curl -f, wget, nc -z → Nomad http/tcp checks; a script check and an unpublished port fall back"},
	{"resources", "task cpu/memory shared out, memoryReservation → memory/memory_max, nothing → split"},
	{"network-host", "host mode: static ports, docker network_mode host, distinct_hosts"},
	{"network-awsvpc", "awsvpc → group bridge mode with dynamic ports, DNS in the group network (exact: no network note); FARGATE, runtimePlatform"},
	{"network-none", "networkMode none → docker network_mode none, no network block"},
	{"placement", "spreads with weights, binpack/random notes, memberOf via CQL (in, exists, not, or on one attribute, or across attributes, !~)"},
	{"daemon", "DAEMON → system job, no count, no reschedule block"},
	{"unsupported", "roles, secrets, env files, links, tags, LB, registries, CODE_DEPLOY: notes, nothing in meta"},
	{"firelens", "FireLens (Fluent Bit) in awsvpc: fluentd driver to the router's mapped port, async, ECS tags and metadata labels, generated config (one output per container, include file) in a template; secretOptions reported"},
	{"firelens-fluentd", "FireLens (Fluentd) in bridge mode: @type output, metadata off, S3 config file reported"},
	{"logdrivers", "default hostLogDrivers: awslogs stays in Nomad's log collection with a note naming the CloudWatch group/stream; json-file, syslog, gelf, splunk exact (awsfirelens without a router is refused by validation, ECS-CD-028)"},
	{"logdrivers-awslogs", "hostLogDrivers opts in awslogs: awslogs-stream-prefix becomes awslogs-stream prefix/container/alloc-id; syslog, not listed, stays with Nomad"},
	{"disable-networking", "disableNetworking with a probe of a mapped port: no Nomad check (it could never reach the container), a note instead (audit W9)"},
	{"loadbalancer", "loadBalancers → a group service tg-web-tg on the dynamic port with Traefik routers (path-pattern and host-header wildcards, ELB priority), the target group's health check, shutdown_delay = deregistration delay, canary_tags; a 3xx matcher noted"},
	{"serviceconnect", "serviceConnectConfiguration (awsvpc): sc-shop-orders / sc-shop-orders-grpc group services with address_mode alloc, the ecs-service-connect sidecar with its nomadService template (http listener with the service's timeouts, grpc as tcp), aliases as extra_hosts on every task, group shutdown_delay 5 s; serviceRegistries as a service named after the ECS service; tls noted"},
	{"rollout-surge", "min 100 / max 150: partial surge with canaries, COUNT circuit-breaker threshold"},
}

func TestTranslateGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "translate", tc.name)
			d := repotest.Load(t, dir)
			if len(d.Services) != 1 {
				t.Fatalf("%s: want exactly one service, got %d", dir, len(d.Services))
			}
			tr, err := Translate(d, d.Services[0], TranslateOptions{Source: "github.com/example/repo"})
			if err != nil {
				t.Fatalf("Translate: %v (%s)", err, tc.reason)
			}
			job, err := JobJSON(tr.Job)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, dir+".job.json", job, tc.reason)
			golden.Check(t, dir+".notes.txt", []byte(notesReport(tr)), tc.reason)
		})
	}
}

// notesReport renders the rollout and the fidelity notes for a golden file.
func notesReport(tr *Translation) string {
	var b strings.Builder
	r := tr.Rollout
	fmt.Fprintf(&b, "rollout: class=%s mechanism=%q exact=%t\n", r.Class, r.Mechanism, r.Exact)
	fmt.Fprintf(&b, "  desired=%d min%%=%d max%%=%d min_healthy=%d max_running=%d batch=%d\n",
		r.DesiredCount, r.MinimumHealthyPercent, r.MaximumPercent, r.MinHealthy, r.MaxRunning, r.BatchSize)
	if r.WorstCase != "" {
		fmt.Fprintf(&b, "  worst case: %s\n", r.WorstCase)
	}
	fmt.Fprintf(&b, "  circuit breaker: %s (threshold %d, rollback %t)\n", r.CircuitBreaker, r.FailureThreshold, r.Rollback)
	fmt.Fprintf(&b, "spec hash: %s\n", tr.SpecHash)
	fmt.Fprintf(&b, "fidelity (%d):\n", len(tr.Fidelity))
	for _, n := range tr.Fidelity {
		fmt.Fprintf(&b, "  %s: %s %s [%s]: %s\n", filepath.ToSlash(n.Pos.String()), n.Field, n.Level, n.Rule, n.Detail)
	}
	return b.String()
}
