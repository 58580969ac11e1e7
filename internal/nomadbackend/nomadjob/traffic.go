package nomadjob

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// The load balancer is the cluster's proxy: Traefik v3 with its Nomad provider
// (scripts/proxy.sh, docs/traffic.md). A target group a service registers into becomes a
// Nomad group service carrying Traefik's tags; Traefik reads Nomad's native catalog and
// routes each listener (an entry point "listener-PORT") by the rules' conditions.
const (
	// ProxyTagPrefix is the Traefik Nomad provider's tag prefix (its default).
	ProxyTagPrefix = "traefik"
	// CanaryTag replaces the routing tags while an allocation is a canary: a new task
	// receives traffic only after the deployment promoted it, i.e. after its target-group
	// health check (and every other canary's) passed.
	CanaryTag = "ecsgit.canary=true"
	// listenerEntryPointPrefix + port names the proxy's entry point of a listener port.
	listenerEntryPointPrefix = "listener-"
	// Traefik evaluates the highest router priority first, ELB the lowest rule priority
	// (1–50000); the default action matches last.
	rulePriorityBase      = 100000
	defaultActionPriority = 1
)

// ListenerEntryPoint is the proxy's entry point name for a listener port.
func ListenerEntryPoint(port int) string { return listenerEntryPointPrefix + strconv.Itoa(port) }

// TargetGroupServiceName is the Nomad service name of a target group (a lower-case RFC
// 1123 label; ELB names are letters, digits and hyphens already). Every service that
// registers into one target group registers under this name, so the proxy balances over
// all of their tasks, as ELB does.
func TargetGroupServiceName(tgName string) string { return serviceName("tg", tgName) }

// TargetGroupServicePrefix starts the name of every target group's Nomad service.
const TargetGroupServicePrefix = "tg-"

// loadBalancing registers every loadBalancers[] entry as a service of the container's
// task with the target group's health check and the proxy's routing tags, and sets
// every task's shutdown_delay to the deregistration delay: on a stop Nomad deregisters
// a task's services first, waits shutdown_delay (the proxy drops the target within a
// second, in-flight requests finish), and only then signals the task.
//
// A task service, not a group one: Nomad registers group services when the allocation
// starts, before any container runs, so the proxy would send requests to a port nobody
// listens on yet; a task's services are registered once its container has started.
func (t *translator) loadBalancing(tg *api.TaskGroup) error {
	if len(t.svc.LoadBalancers) == 0 {
		return nil
	}
	if t.d == nil {
		return fmt.Errorf("loadBalancers: translation without the repository's target groups")
	}
	var delay int
	for i, lb := range t.svc.LoadBalancers {
		ref := t.svcField(fmt.Sprintf("loadBalancers[%d]", i))
		group := t.d.TargetGroup(lb.TargetGroupArn)
		if group == nil {
			return fmt.Errorf("loadBalancers[%d]: target group %q is not in the repository", i, lb.TargetGroupArn)
		}
		ci := slices.IndexFunc(t.td.ContainerDefinitions, func(c spec.ContainerDefinition) bool { return c.Name == lb.ContainerName })
		if ci < 0 || lb.ContainerPort == nil {
			return fmt.Errorf("loadBalancers[%d]: container %q port %v is not in the task definition", i, lb.ContainerName, lb.ContainerPort)
		}
		label, ok := t.ports.labelFor(ci, *lb.ContainerPort)
		if !ok {
			return fmt.Errorf("loadBalancers[%d]: containerPort %d of %q has no port mapping", i, *lb.ContainerPort, lb.ContainerName)
		}
		if lb.LoadBalancerName != "" {
			t.notes.unsupported(ref.child("loadBalancerName"), "a Classic Load Balancer name beside targetGroupArn is not used; the target group decides the routing")
		}
		if lb.AdvancedConfiguration != nil {
			t.notes.unsupported(ref.child("advancedConfiguration"), "blue/green alternate target groups and test listener rules are not translated; the service registers into its target group only")
		}
		name := TargetGroupServiceName(group.Name)
		routes := t.d.RoutesTo(group.Name)
		if len(routes) == 0 {
			t.notes.approx(ref.child("targetGroupArn"), RuleLoadBalancer, "target group %q is not the target of any listener or rule: its tasks are registered and health-checked but receive no traffic", group.Name)
		}
		tags, err := routingTags(name, routes, &group.ELBTargetGroup)
		if err != nil {
			return fmt.Errorf("loadBalancers[%d]: %w", i, err)
		}
		ti := slices.IndexFunc(tg.Tasks, func(task *api.Task) bool { return task.Name == lb.ContainerName })
		if ti < 0 {
			return fmt.Errorf("loadBalancers[%d]: container %q has no task", i, lb.ContainerName)
		}
		task := tg.Tasks[ti]
		task.Services = append(task.Services, &api.Service{
			Name:       name,
			Provider:   "nomad",
			PortLabel:  label,
			Tags:       tags,
			CanaryTags: []string{CanaryTag},
			Checks:     []api.ServiceCheck{t.targetHealthCheck(name, label, &group.ELBTargetGroup, ref)},
		})
		delay = max(delay, group.DeregistrationDelay())
	}
	// Every task waits, so that no container the target's answers depend on (a
	// sidecar) stops before the delay is over.
	for _, task := range tg.Tasks {
		task.ShutdownDelay = time.Duration(delay) * time.Second
	}
	return nil
}

// targetHealthCheck is the target group's health check as a Nomad HTTP check on the
// task's (dynamic) port: ELB probes each target on its registered port ("traffic-port").
// UnhealthyThresholdCount failures in a row restart the task (ECS replaces a task its
// target group reports unhealthy); the grace period defers that, as ECS ignores ELB
// health for healthCheckGracePeriodSeconds.
func (t *translator) targetHealthCheck(name, label string, g *spec.ELBTargetGroup, ref fieldRef) api.ServiceCheck {
	path := g.HealthCheckPath
	if path == "" {
		path = spec.ELBDefaultHealthCheckPath
	}
	matcher := spec.ELBDefaultMatcher
	if g.Matcher != nil && g.Matcher.HttpCode != "" {
		matcher = g.Matcher.HttpCode
	}
	if !matcherWithin2xx(matcher) {
		t.notes.approx(ref.child("targetGroupArn"), RuleLoadBalancer, "target group %q matcher %q accepts codes outside 200–299, which a Nomad HTTP check counts as failing", g.Name, matcher)
	}
	return api.ServiceCheck{
		Name:      name + "-target-health",
		Type:      "http",
		Path:      path,
		PortLabel: label,
		Interval:  time.Duration(intOr(g.HealthCheckIntervalSeconds, spec.ELBDefaultHealthCheckInterval)) * time.Second,
		Timeout:   time.Duration(intOr(g.HealthCheckTimeoutSeconds, spec.ELBDefaultHealthCheckTimeout)) * time.Second,
		CheckRestart: &api.CheckRestart{
			Limit: intOr(g.UnhealthyThresholdCount, spec.ELBDefaultUnhealthyThreshold),
			Grace: new(t.gracePeriod()),
		},
	}
}

// matcherWithin2xx reports whether every code of an ELB matcher ("200", "200,202",
// "200-299") is a 2xx code, the only ones a Nomad HTTP check passes on.
func matcherWithin2xx(m string) bool {
	for part := range strings.SplitSeq(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 200 || b > 299 {
			return false
		}
	}
	return true
}

// routingTags are the Traefik tags of a target group's service: one router per route
// (a rule, or a listener's default action), on the listener port's entry point, and the
// target group's health check as the proxy's own active check.
func routingTags(name string, routes []spec.Route, g *spec.ELBTargetGroup) ([]string, error) {
	p := ProxyTagPrefix
	tags := []string{p + ".enable=true"}
	for _, r := range routes {
		port := 0
		if r.Listener.Port != nil {
			port = *r.Listener.Port
		}
		router := fmt.Sprintf("%s-%s-%d", name, sanitizeRouter(r.Listener.LoadBalancer), port)
		rule, prio := "PathPrefix(`/`)", defaultActionPriority
		if r.Rule != nil {
			router += "-r" + strconv.Itoa(*r.Rule.Priority)
			var err error
			if rule, err = traefikRule(r.Rule.Conditions); err != nil {
				return nil, fmt.Errorf("rule %s priority %d: %w", r.Rule.Listener, *r.Rule.Priority, err)
			}
			prio = rulePriorityBase - *r.Rule.Priority
		} else {
			router += "-default"
		}
		pre := p + ".http.routers." + router
		tags = append(tags,
			pre+".entrypoints="+ListenerEntryPoint(port),
			pre+".rule="+rule,
			pre+".priority="+strconv.Itoa(prio),
			pre+".service="+name,
		)
	}
	hc := p + ".http.services." + name + ".loadbalancer.healthcheck."
	path := g.HealthCheckPath
	if path == "" {
		path = spec.ELBDefaultHealthCheckPath
	}
	tags = append(tags,
		hc+"path="+path,
		hc+"interval="+strconv.Itoa(intOr(g.HealthCheckIntervalSeconds, spec.ELBDefaultHealthCheckInterval))+"s",
		hc+"timeout="+strconv.Itoa(intOr(g.HealthCheckTimeoutSeconds, spec.ELBDefaultHealthCheckTimeout))+"s",
	)
	return tags, nil
}

func sanitizeRouter(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s)), "-")
}

// traefikRule turns ELB conditions (ANDed; the values of one condition ORed) into a
// Traefik v3 rule. ELB patterns are case-sensitive for paths, case-insensitive for
// hosts, match the whole value, and know two wildcards: * (any run of characters) and ?
// (one character).
func traefikRule(conds []spec.ELBRuleCondition) (string, error) {
	var parts []string
	for _, c := range conds {
		vals := spec.ConditionValues(c)
		var alts []string
		for _, v := range vals {
			switch c.Field {
			case "path-pattern":
				alts = append(alts, "PathRegexp(`"+globRegexp(v, false)+"`)")
			case "host-header":
				alts = append(alts, "HostRegexp(`"+globRegexp(v, true)+"`)")
			default:
				return "", fmt.Errorf("condition %q is not translated", c.Field)
			}
		}
		if len(alts) == 0 {
			return "", fmt.Errorf("condition %q has no values", c.Field)
		}
		if len(alts) == 1 {
			parts = append(parts, alts[0])
		} else {
			parts = append(parts, "("+strings.Join(alts, " || ")+")")
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("a rule needs a condition")
	}
	return strings.Join(parts, " && "), nil
}

// globRegexp anchors an ELB wildcard pattern as a Go regular expression.
func globRegexp(pattern string, foldCase bool) string {
	var b strings.Builder
	b.WriteString("^")
	if foldCase {
		b.WriteString("(?i)")
	}
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}
