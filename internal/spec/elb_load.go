package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Rule IDs of the ELB definitions (docs/validation-rules.md).
const (
	RuleELBName      = "ECS-ELB-001" // Name required: 1–32 letters, digits, hyphens, not at either end
	RuleELBDuplicate = "ECS-ELB-002" // a load balancer, target group, listener (load balancer + port) or rule priority defined twice
	RuleELBReference = "ECS-ELB-003" // a LoadBalancerArn, ListenerArn or TargetGroupArn that names nothing in the repository
	RuleELBValue     = "ECS-ELB-004" // protocol, port, priority, health check ranges, matcher, attributes
	RuleELBSupported = "ECS-ELB-005" // conditions and actions ecsgit cannot route on the proxy
	RuleServiceLB    = "ECS-ELB-006" // a service's loadBalancers[]: targetGroupArn, containerName, containerPort; target type vs network mode
)

// classifyELB tells which elbv2 create-* input a JSON object is (DocOther if none).
func classifyELB(root *node) DocKind {
	has := func(keys ...string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return root.get(k) != nil })
	}
	switch {
	case has("ListenerArn") && has("Conditions", "Actions", "Priority"):
		return DocELBRule
	case has("LoadBalancerArn") && has("DefaultActions", "Port", "Protocol"):
		return DocELBListener
	case !has("Name"):
		return DocOther
	case has("HealthCheckPath", "HealthCheckPort", "HealthCheckProtocol", "HealthCheckEnabled", "HealthCheckIntervalSeconds",
		"HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher", "TargetType", "VpcId", "Attributes", "Port", "Protocol"):
		return DocELBTargetGroup
	case has("Subnets", "SubnetMappings", "Scheme", "SecurityGroups", "Type", "IpAddressType"):
		return DocELBLoadBalancer
	}
	return DocOther
}

// decodeELB decodes one ELB document of kind into r.
func decodeELB(tree *node, kind DocKind, r *fileResult) {
	d := newDecoder()
	pos := Pos{File: tree.pos.File}
	switch kind {
	case DocELBLoadBalancer:
		doc := &LoadBalancerDoc{Pos: pos}
		d.decode(tree, reflect.ValueOf(&doc.ELBLoadBalancer).Elem(), "")
		doc.Fields, r.lb = d.fields, doc
	case DocELBListener:
		doc := &ListenerDoc{Pos: pos}
		d.decode(tree, reflect.ValueOf(&doc.ELBListener).Elem(), "")
		doc.Fields, r.listener = d.fields, doc
	case DocELBRule:
		doc := &RuleDoc{Pos: pos}
		d.decode(tree, reflect.ValueOf(&doc.ELBRule).Elem(), "")
		doc.Fields, r.rule = d.fields, doc
	case DocELBTargetGroup:
		doc := &TargetGroupDoc{Pos: pos}
		d.decode(tree, reflect.ValueOf(&doc.ELBTargetGroup).Elem(), "")
		doc.Fields, r.tg = d.fields, doc
	}
	r.diags = append(r.diags, d.diags...)
}

// elbNameRE: 1–32 alphanumerics and hyphens, not beginning or ending with a hyphen.
var elbNameRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)

// ELBResourceName returns the name an ELB reference stands for: the NAME of
// arn:…:targetgroup/NAME/ID or arn:…:loadbalancer/app/NAME/ID, else the reference itself.
func ELBResourceName(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ref
	}
	_, res, ok := strings.Cut(ref, ":targetgroup/")
	if !ok {
		if _, res, ok = strings.Cut(ref, ":loadbalancer/"); ok {
			if _, after, typed := strings.Cut(res, "/"); typed && (strings.HasPrefix(res, "app/") || strings.HasPrefix(res, "net/") || strings.HasPrefix(res, "gwy/")) {
				res = after
			}
		}
	}
	if !ok {
		return ref
	}
	name, _, _ := strings.Cut(res, "/")
	return name
}

func listenerKey(lb string, port int) string { return lb + ":" + strconv.Itoa(port) }

// elbValidator checks one ELB document.
type elbValidator struct{ validator }

func newELBValidator(fields PosMap, pos Pos) *elbValidator {
	return &elbValidator{validator{fields: fields, file: pos.File}}
}

func (v *elbValidator) name(name, what string) {
	switch {
	case name == "":
		v.errorf("Name", RuleELBName, "Name: a %s needs a name (1–32 letters, digits and hyphens)", what)
	case !elbNameRE.MatchString(name):
		v.errorf("Name", RuleELBName, "Name %q: a %s name has 1–32 letters, digits and hyphens and does not begin or end with a hyphen", name, what)
	case what == "load balancer" && strings.HasPrefix(name, "internal-"):
		v.errorf("Name", RuleELBName, "Name %q: a load balancer name must not begin with \"internal-\"", name)
	}
}

func (v *elbValidator) port(path string, p *int, required bool) {
	if p == nil {
		if required {
			v.errorf(path, RuleELBValue, "%s is required (1–65535)", path)
		}
		return
	}
	if *p < 1 || *p > 65535 {
		v.errorf(path, RuleELBValue, "%s %d is out of range: 1–65535", path, *p)
	}
}

func (v *elbValidator) rangeInt(path string, p *int, lo, hi int) {
	if p != nil && (*p < lo || *p > hi) {
		v.errorf(path, RuleELBValue, "%s %d is out of range: %d–%d", path, *p, lo, hi)
	}
}

func (v *elbValidator) loadBalancer(lb *ELBLoadBalancer) {
	v.name(lb.Name, "load balancer")
	switch lb.Type {
	case "", "application":
	case "network", "gateway":
		v.errorf("Type", RuleELBSupported, "Type %q: ecsgit routes HTTP on its proxy like an application load balancer; network and gateway load balancers are not translated (use \"application\")", lb.Type)
	default:
		v.errorf("Type", RuleELBValue, "Type %q is not one of application, network, gateway", lb.Type)
	}
	if lb.Scheme != "" && lb.Scheme != "internet-facing" && lb.Scheme != "internal" {
		v.errorf("Scheme", RuleELBValue, "Scheme %q is not one of internet-facing, internal", lb.Scheme)
	}
}

func (v *elbValidator) listener(l *ELBListener) {
	if l.LoadBalancerArn == "" {
		v.errorf("LoadBalancerArn", RuleELBReference, "LoadBalancerArn is required: the name or ARN of a load balancer in the repository")
	}
	switch l.Protocol {
	case "HTTP":
	case "":
		v.errorf("Protocol", RuleELBValue, "Protocol is required: HTTP (HTTPS, TCP, TLS, UDP and TCP_UDP are not translated)")
	case "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP":
		v.errorf("Protocol", RuleELBSupported, "Protocol %s: ecsgit's proxy serves HTTP listeners only (no certificates, no layer-4 routing)", l.Protocol)
	default:
		v.errorf("Protocol", RuleELBValue, "Protocol %q is not one of HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP", l.Protocol)
	}
	v.port("Port", l.Port, true)
	if len(l.DefaultActions) == 0 {
		v.errorf("DefaultActions", RuleELBValue, "DefaultActions: a listener needs one default action")
	}
	v.actions("DefaultActions", l.DefaultActions, true)
}

func (v *elbValidator) rule(r *ELBRule) {
	if r.ListenerArn == "" {
		v.errorf("ListenerArn", RuleELBReference, "ListenerArn is required: LOAD-BALANCER:PORT (a load balancer name or ARN and the listener's port)")
	}
	if r.Priority == nil {
		v.errorf("Priority", RuleELBValue, "Priority is required: 1–50000 (a lower value is evaluated first)")
	} else {
		v.rangeInt("Priority", r.Priority, 1, 50000)
	}
	if len(r.Conditions) == 0 {
		v.errorf("Conditions", RuleELBValue, "Conditions: a rule needs at least one condition (path-pattern or host-header)")
	}
	for i, c := range r.Conditions {
		p := fmt.Sprintf("Conditions[%d]", i)
		switch c.Field {
		case "path-pattern", "host-header":
			if len(ConditionValues(c)) == 0 {
				v.errorf(p, RuleELBValue, "%s: a %s condition needs at least one value (Values or %s.Values)", p, c.Field, configName(c.Field))
			}
			if len(c.RegexValues) > 0 || (c.PathPatternConfig != nil && len(c.PathPatternConfig.RegexValues) > 0) || (c.HostHeaderConfig != nil && len(c.HostHeaderConfig.RegexValues) > 0) {
				v.errorf(p, RuleELBSupported, "%s: RegexValues are not translated; use wildcard Values (* and ?)", p)
			}
		case "http-header", "http-request-method", "query-string", "source-ip":
			v.errorf(p+".Field", RuleELBSupported, "%s.Field %q: ecsgit's proxy routes on path-pattern and host-header conditions only", p, c.Field)
		case "":
			v.errorf(p+".Field", RuleELBValue, "%s.Field is required: path-pattern or host-header", p)
		default:
			v.errorf(p+".Field", RuleELBValue, "%s.Field %q is not one of path-pattern, host-header, http-header, http-request-method, query-string, source-ip", p, c.Field)
		}
	}
	if len(r.Actions) == 0 {
		v.errorf("Actions", RuleELBValue, "Actions: a rule needs a forward action")
	}
	v.actions("Actions", r.Actions, false)
}

func configName(field string) string {
	if field == "host-header" {
		return "HostHeaderConfig"
	}
	return "PathPatternConfig"
}

// ConditionValues returns the values of a path-pattern or host-header condition, from
// the legacy Values or the *Config form.
func ConditionValues(c ELBRuleCondition) []string {
	vals := slices.Clone(c.Values)
	if c.Field == "path-pattern" && c.PathPatternConfig != nil {
		vals = append(vals, c.PathPatternConfig.Values...)
	}
	if c.Field == "host-header" && c.HostHeaderConfig != nil {
		vals = append(vals, c.HostHeaderConfig.Values...)
	}
	return vals
}

func (v *elbValidator) actions(path string, acts []ELBAction, isDefault bool) {
	for i, a := range acts {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch a.Type {
		case "forward":
			if len(ActionTargetGroups(a)) == 0 {
				v.errorf(p, RuleELBValue, "%s: a forward action needs TargetGroupArn or ForwardConfig.TargetGroups", p)
			}
			if a.ForwardConfig != nil {
				for j, t := range a.ForwardConfig.TargetGroups {
					v.rangeInt(fmt.Sprintf("%s.ForwardConfig.TargetGroups[%d].Weight", p, j), t.Weight, 0, 999)
				}
				if len(a.ForwardConfig.TargetGroups) > 1 {
					v.errorf(p+".ForwardConfig.TargetGroups", RuleELBSupported, "%s.ForwardConfig: weighted forwarding to several target groups is not translated yet; forward to one target group", p)
				}
			}
		case "fixed-response":
			if !isDefault {
				v.errorf(p+".Type", RuleELBSupported, "%s.Type fixed-response: only a listener's default action may be fixed-response (the proxy answers 404 for requests no rule matches)", p)
			}
		case "redirect", "authenticate-oidc", "authenticate-cognito", "jwt-validation":
			v.errorf(p+".Type", RuleELBSupported, "%s.Type %s: ecsgit's proxy translates forward actions only", p, a.Type)
		case "":
			v.errorf(p+".Type", RuleELBValue, "%s.Type is required: forward", p)
		default:
			v.errorf(p+".Type", RuleELBValue, "%s.Type %q is not one of forward, fixed-response, redirect, authenticate-oidc, authenticate-cognito, jwt-validation", p, a.Type)
		}
	}
}

// ActionTargetGroups lists the target-group references of a forward action.
func ActionTargetGroups(a ELBAction) []string {
	var refs []string
	if a.TargetGroupArn != "" {
		refs = append(refs, a.TargetGroupArn)
	}
	if a.ForwardConfig != nil {
		for _, t := range a.ForwardConfig.TargetGroups {
			if t.TargetGroupArn != "" && !slices.Contains(refs, t.TargetGroupArn) {
				refs = append(refs, t.TargetGroupArn)
			}
		}
	}
	return refs
}

// matcherRE: "200", "200,202", "200-299" (HTTP codes 200–499).
var matcherRE = regexp.MustCompile(`^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$`)

func (v *elbValidator) targetGroup(tg *ELBTargetGroup) {
	v.name(tg.Name, "target group")
	switch tg.Protocol {
	case "", "HTTP":
	case "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE":
		v.errorf("Protocol", RuleELBSupported, "Protocol %s: ecsgit's proxy forwards HTTP only", tg.Protocol)
	default:
		v.errorf("Protocol", RuleELBValue, "Protocol %q is not one of HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE", tg.Protocol)
	}
	v.port("Port", tg.Port, false)
	switch tg.TargetType {
	case "", "instance", "ip":
	case "lambda", "alb":
		v.errorf("TargetType", RuleELBSupported, "TargetType %s: ECS services register instance or ip targets only", tg.TargetType)
	default:
		v.errorf("TargetType", RuleELBValue, "TargetType %q is not one of instance, ip, lambda, alb", tg.TargetType)
	}
	switch tg.HealthCheckProtocol {
	case "", "HTTP":
	default:
		v.errorf("HealthCheckProtocol", RuleELBSupported, "HealthCheckProtocol %s: the target health check is translated to a Nomad HTTP check; use HTTP", tg.HealthCheckProtocol)
	}
	if tg.HealthCheckPort != "" && tg.HealthCheckPort != "traffic-port" {
		v.errorf("HealthCheckPort", RuleELBSupported, "HealthCheckPort %q: only traffic-port is translated (a dynamic host port has no fixed number to probe)", tg.HealthCheckPort)
	}
	if tg.HealthCheckPath != "" && !strings.HasPrefix(tg.HealthCheckPath, "/") {
		v.errorf("HealthCheckPath", RuleELBValue, "HealthCheckPath %q must begin with /", tg.HealthCheckPath)
	}
	v.rangeInt("HealthCheckIntervalSeconds", tg.HealthCheckIntervalSeconds, 5, 300)
	v.rangeInt("HealthCheckTimeoutSeconds", tg.HealthCheckTimeoutSeconds, 2, 120)
	v.rangeInt("HealthyThresholdCount", tg.HealthyThresholdCount, 2, 10)
	v.rangeInt("UnhealthyThresholdCount", tg.UnhealthyThresholdCount, 2, 10)
	if iv, to := intOr(tg.HealthCheckIntervalSeconds, ELBDefaultHealthCheckInterval), intOr(tg.HealthCheckTimeoutSeconds, ELBDefaultHealthCheckTimeout); to >= iv {
		v.errorf("HealthCheckTimeoutSeconds", RuleELBValue, "HealthCheckTimeoutSeconds %d must be less than HealthCheckIntervalSeconds %d", to, iv)
	}
	if tg.Matcher != nil {
		if tg.Matcher.GrpcCode != "" {
			v.errorf("Matcher.GrpcCode", RuleELBSupported, "Matcher.GrpcCode: gRPC health checks are not translated")
		}
		if c := tg.Matcher.HttpCode; c != "" && !matcherRE.MatchString(c) {
			v.errorf("Matcher.HttpCode", RuleELBValue, "Matcher.HttpCode %q: write a code (200), a list (200,202) or a range (200-299) of codes 200–499", c)
		}
	}
	for i, a := range tg.Attributes {
		p := fmt.Sprintf("Attributes[%d]", i)
		switch a.Key {
		case AttrDeregistrationDelay:
			n, err := strconv.Atoi(a.Value)
			if err != nil || n < 0 || n > 3600 {
				v.errorf(p+".Value", RuleELBValue, "%s: %s %q must be a number of seconds, 0–3600", p, a.Key, a.Value)
			}
		case "":
			v.errorf(p+".Key", RuleELBValue, "%s.Key is required", p)
		default:
			v.errorf(p+".Key", RuleELBSupported, "%s.Key %q: only %s is translated", p, a.Key, AttrDeregistrationDelay)
		}
	}
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// DeregistrationDelay is the target group's deregistration_delay.timeout_seconds
// (default 300).
func (tg *ELBTargetGroup) DeregistrationDelay() int {
	if v, ok := tg.Attribute(AttrDeregistrationDelay); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return ELBDefaultDeregistrationDelay
}

// elbAssembly resolves the references between ELB documents and services.
func (a *assembler) addELB(r fileResult, validate bool) {
	d := a.d
	switch {
	case r.lb != nil:
		if validate {
			v := newELBValidator(r.lb.Fields, r.lb.Pos)
			v.loadBalancer(&r.lb.ELBLoadBalancer)
			d.Diagnostics = append(d.Diagnostics, v.diags...)
		}
		d.LoadBalancers = append(d.LoadBalancers, r.lb)
	case r.listener != nil:
		if validate {
			v := newELBValidator(r.listener.Fields, r.listener.Pos)
			v.listener(&r.listener.ELBListener)
			d.Diagnostics = append(d.Diagnostics, v.diags...)
		}
		d.Listeners = append(d.Listeners, r.listener)
	case r.rule != nil:
		if validate {
			v := newELBValidator(r.rule.Fields, r.rule.Pos)
			v.rule(&r.rule.ELBRule)
			d.Diagnostics = append(d.Diagnostics, v.diags...)
		}
		d.Rules = append(d.Rules, r.rule)
	case r.tg != nil:
		if validate {
			v := newELBValidator(r.tg.Fields, r.tg.Pos)
			v.targetGroup(&r.tg.ELBTargetGroup)
			d.Diagnostics = append(d.Diagnostics, v.diags...)
		}
		d.TargetGroups = append(d.TargetGroups, r.tg)
	}
}

// finishELB checks names are unique and every reference resolves; it runs once the whole
// repository is read.
func (a *assembler) finishELB() {
	d := a.d
	lbs := map[string]*LoadBalancerDoc{}
	for _, lb := range d.LoadBalancers {
		if first, dup := lbs[lb.Name]; dup && lb.Name != "" {
			a.errorf(lb.Fields.At("Name"), RuleELBDuplicate, "load balancer %q is already defined in %s", lb.Name, first.Pos.File)
			continue
		}
		lbs[lb.Name] = lb
	}
	tgs := map[string]*TargetGroupDoc{}
	for _, tg := range d.TargetGroups {
		if first, dup := tgs[tg.Name]; dup && tg.Name != "" {
			a.errorf(tg.Fields.At("Name"), RuleELBDuplicate, "target group %q is already defined in %s", tg.Name, first.Pos.File)
			continue
		}
		tgs[tg.Name] = tg
	}
	checkTG := func(fields Positions, path, ref string) {
		if ref == "" {
			return
		}
		if _, ok := tgs[ELBResourceName(ref)]; !ok {
			msg := "%s %q: no target group named %q in the repository (add its create-target-group JSON)"
			if near := suggest(ELBResourceName(ref), mapKeys(tgs)); near != "" {
				msg += "; did you mean \"" + near + "\"?"
			}
			a.errorf(fields.At(path), RuleELBReference, msg, path, ref, ELBResourceName(ref))
		}
	}
	checkActions := func(fields Positions, path string, acts []ELBAction) {
		for i, act := range acts {
			p := fmt.Sprintf("%s[%d]", path, i)
			checkTG(fields, p+".TargetGroupArn", act.TargetGroupArn)
			if act.ForwardConfig != nil {
				for j, t := range act.ForwardConfig.TargetGroups {
					checkTG(fields, fmt.Sprintf("%s.ForwardConfig.TargetGroups[%d].TargetGroupArn", p, j), t.TargetGroupArn)
				}
			}
		}
	}
	listeners := map[string]*ListenerDoc{}
	perLB := map[string][]*ListenerDoc{}
	for _, l := range d.Listeners {
		name := ELBResourceName(l.LoadBalancerArn)
		if _, ok := lbs[name]; !ok && l.LoadBalancerArn != "" {
			a.errorf(l.Fields.At("LoadBalancerArn"), RuleELBReference, "LoadBalancerArn %q: no load balancer named %q in the repository (add its create-load-balancer JSON)", l.LoadBalancerArn, name)
		}
		l.LoadBalancer = name
		checkActions(l.Fields, "DefaultActions", l.DefaultActions)
		if first, dup := listeners[l.Key()]; dup {
			a.errorf(l.Fields.At("Port"), RuleELBDuplicate, "load balancer %q already has a listener on port %d (%s)", name, intOrZero(l.Port), first.Pos.File)
			continue
		}
		listeners[l.Key()] = l
		perLB[name] = append(perLB[name], l)
	}
	priorities := map[string]*RuleDoc{}
	for _, r := range d.Rules {
		key := resolveListener(r.ListenerArn, listeners, perLB)
		if key == "" && r.ListenerArn != "" {
			a.errorf(r.Fields.At("ListenerArn"), RuleELBReference, "ListenerArn %q: no listener of the repository is LOAD-BALANCER:PORT %q (write the load balancer's name or ARN, a colon and the listener port; listeners: %s)",
				r.ListenerArn, r.ListenerArn, strings.Join(mapKeys(listeners), ", "))
		}
		r.Listener = key
		checkActions(r.Fields, "Actions", r.Actions)
		if key != "" && r.Priority != nil {
			pk := key + "#" + strconv.Itoa(*r.Priority)
			if first, dup := priorities[pk]; dup {
				a.errorf(r.Fields.At("Priority"), RuleELBDuplicate, "listener %s already has a rule with priority %d (%s); priorities are unique per listener", key, *r.Priority, first.Pos.File)
				continue
			}
			priorities[pk] = r
		}
	}
	for _, s := range d.Services {
		for i, lb := range s.LoadBalancers {
			p := fmt.Sprintf("loadBalancers[%d]", i)
			switch {
			case lb.TargetGroupArn == "" && lb.LoadBalancerName != "":
				a.errorf(s.Positions().At(p+".loadBalancerName"), RuleServiceLB, "%s.loadBalancerName %q: Classic Load Balancers are not translated; name a target group with targetGroupArn", p, lb.LoadBalancerName)
				continue
			case lb.TargetGroupArn == "":
				a.errorf(s.Positions().At(p), RuleServiceLB, "%s: targetGroupArn is required (the name or ARN of a target group in the repository)", p)
				continue
			}
			if lb.ContainerName == "" || lb.ContainerPort == nil {
				a.errorf(s.Positions().At(p), RuleServiceLB, "%s: containerName and containerPort are required with a target group", p)
			}
			checkTG(s.Positions(), p+".targetGroupArn", lb.TargetGroupArn)
			tg := tgs[ELBResourceName(lb.TargetGroupArn)]
			td := d.TaskDefinitionFor(s)
			if tg != nil && td != nil {
				awsvpc := td.NetworkMode == "awsvpc"
				switch tt := tg.TargetType; {
				case awsvpc && tt != "ip":
					a.errorf(s.Positions().At(p+".targetGroupArn"), RuleServiceLB, "%s: task definition %q uses networkMode awsvpc, which registers ip targets, but target group %q has TargetType %q (ECS refuses this): set \"TargetType\": \"ip\"", p, td.Family, tg.Name, orDefault(tt, "instance"))
				case !awsvpc && tt == "ip":
					a.errorf(s.Positions().At(p+".targetGroupArn"), RuleServiceLB, "%s: target group %q has TargetType ip, which only awsvpc tasks register; task definition %q uses networkMode %s", p, tg.Name, td.Family, orDefault(td.NetworkMode, "bridge"))
				}
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// resolveListener maps a rule's ListenerArn to a listener key: "LB:PORT" (LB a name or
// ARN), or a listener ARN (…:listener/app/LB/ID/LID) of a load balancer that has one
// listener.
func resolveListener(ref string, listeners map[string]*ListenerDoc, perLB map[string][]*ListenerDoc) string {
	if _, res, ok := strings.Cut(ref, ":listener/"); ok && strings.HasPrefix(ref, "arn:") {
		parts := strings.Split(res, "/") // app/LB/ID/LID
		if len(parts) >= 2 {
			if ls := perLB[parts[1]]; len(ls) == 1 {
				return ls[0].Key()
			}
		}
		return ""
	}
	i := strings.LastIndexByte(ref, ':')
	if i < 0 {
		return ""
	}
	port, err := strconv.Atoi(ref[i+1:])
	if err != nil {
		return ""
	}
	key := listenerKey(ELBResourceName(ref[:i]), port)
	if _, ok := listeners[key]; ok {
		return key
	}
	return ""
}

// TargetGroup returns the target group a reference (name or ARN) names, or nil.
func (d *Desired) TargetGroup(ref string) *TargetGroupDoc {
	name := ELBResourceName(ref)
	for _, tg := range d.TargetGroups {
		if tg.Name == name {
			return tg
		}
	}
	return nil
}

// Route is one way traffic reaches a target group: a listener's default action or a
// rule, in ELB's evaluation order (rules by priority, the default last).
type Route struct {
	Listener *ListenerDoc
	Rule     *RuleDoc // nil for the listener's default action
}

// RoutesTo lists the routes that forward to the target group named name.
func (d *Desired) RoutesTo(name string) []Route {
	var out []Route
	forwards := func(acts []ELBAction) bool {
		return slices.ContainsFunc(acts, func(a ELBAction) bool {
			return a.Type == "forward" && slices.ContainsFunc(ActionTargetGroups(a), func(r string) bool { return ELBResourceName(r) == name })
		})
	}
	byKey := map[string]*ListenerDoc{}
	for _, l := range d.Listeners {
		byKey[l.Key()] = l
	}
	for _, r := range d.Rules {
		if l := byKey[r.Listener]; l != nil && forwards(r.Actions) {
			out = append(out, Route{Listener: l, Rule: r})
		}
	}
	for _, l := range d.Listeners {
		if forwards(l.DefaultActions) {
			out = append(out, Route{Listener: l})
		}
	}
	slices.SortStableFunc(out, func(x, y Route) int {
		if c := strings.Compare(x.Listener.Key(), y.Listener.Key()); c != 0 {
			return c
		}
		return routeOrder(x) - routeOrder(y)
	})
	return out
}

func routeOrder(r Route) int {
	if r.Rule == nil || r.Rule.Priority == nil {
		return 1 << 30
	}
	return *r.Rule.Priority
}
