package nomadjob

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// memberOf translates a cluster-query-language expression into Nomad constraints.
// Nomad constraints are a conjunction, so: `and` → several constraints; `not` is pushed
// down to the terms (De Morgan); `or` is expressible only between values of one
// attribute (→ set_contains_any). Anything else is reported and dropped, which widens
// placement: the note says so.
func (t *translator) memberOf(expr string, ref fieldRef) []*api.Constraint {
	e, err := spec.ParseCQL(expr)
	if err != nil {
		t.notes.unsupported(ref, "memberOf expression does not parse (%v); not translated, tasks may be placed on any node", err)
		return nil
	}
	cons, problems := t.cql(e, false)
	for _, p := range problems {
		t.notes.add(ref, p.level, RulePlacement, "%s", p.detail)
	}
	return cons
}

type cqlProblem struct {
	level  spec.FidelityLevel
	detail string
}

func (t *translator) cql(e *spec.CQLExpr, neg bool) ([]*api.Constraint, []cqlProblem) {
	switch {
	case e.Kind == spec.CQLNot:
		return t.cql(e.Operands[0], !neg)
	case e.Kind == spec.CQLAnd && !neg, e.Kind == spec.CQLOr && neg:
		var cons []*api.Constraint
		var probs []cqlProblem
		for _, o := range e.Operands {
			c, p := t.cql(o, neg)
			cons, probs = append(cons, c...), append(probs, p...)
		}
		return cons, probs
	case e.Kind == spec.CQLOr, e.Kind == spec.CQLAnd:
		if c, probs, ok := t.cqlOneOf(e, neg); ok {
			return []*api.Constraint{c}, probs
		}
		return nil, []cqlProblem{{spec.FidelityUnsupported, fmt.Sprintf(
			"%q: Nomad constraints cannot express \"or\" across attributes or operators; not translated, tasks may be placed on any node", e.String())}}
	}
	return t.cqlTerm(e, neg)
}

// cqlOneOf handles a disjunction of equality tests on one attribute:
// `a == x or a in [y, z]` → set_contains_any "x,y,z".
func (t *translator) cqlOneOf(e *spec.CQLExpr, neg bool) (*api.Constraint, []cqlProblem, bool) {
	var subject string
	var values []string
	for _, o := range e.Operands {
		if o.Kind != spec.CQLTerm || (subject != "" && o.Subject != subject) {
			return nil, nil, false
		}
		subject = o.Subject
		switch effectiveOp(o.Operator, neg) {
		case spec.CQLEq, spec.CQLIn:
			values = append(values, o.Values...)
		default:
			return nil, nil, false
		}
	}
	attr, level, detail := t.cqlSubject(subject)
	var probs []cqlProblem
	switch level {
	case spec.FidelityUnsupported:
		return nil, nil, false
	case spec.FidelityApproximate:
		// The attribute's caveat holds for every value of the disjunction.
		probs = append(probs, cqlProblem{level, detail})
	}
	return &api.Constraint{LTarget: attr, RTarget: strings.Join(nodeValues(subject, values), ","), Operand: api.ConstraintSetContainsAny}, probs, true
}

// nodeValues spells ECS attribute values as Nomad nodes report them: ECS names the
// x86-64 architecture x86_64, Nomad's ${attr.cpu.arch} is Go's GOARCH (amd64).
func nodeValues(subject string, values []string) []string {
	if subject != "attribute:ecs.cpu-architecture" {
		return values
	}
	out := make([]string, len(values))
	for i, v := range values {
		switch strings.ToLower(v) {
		case "x86_64":
			out[i] = "amd64"
		case "arm64":
			out[i] = "arm64"
		default:
			out[i] = v
		}
	}
	return out
}

// inverseOp is each operator's negation.
var inverseOp = map[string]string{
	spec.CQLEq: spec.CQLNe, spec.CQLNe: spec.CQLEq,
	spec.CQLIn: spec.CQLNotIn, spec.CQLNotIn: spec.CQLIn,
	spec.CQLExists: spec.CQLNotExists, spec.CQLNotExists: spec.CQLExists,
	spec.CQLMatches: spec.CQLNotMatches, spec.CQLNotMatches: spec.CQLMatches,
	spec.CQLGt: spec.CQLLe, spec.CQLLe: spec.CQLGt,
	spec.CQLLt: spec.CQLGe, spec.CQLGe: spec.CQLLt,
}

// effectiveOp is the operator of a term after an enclosing not.
func effectiveOp(op string, neg bool) string {
	if !neg {
		return op
	}
	return inverseOp[op]
}

func (t *translator) cqlTerm(e *spec.CQLExpr, neg bool) ([]*api.Constraint, []cqlProblem) {
	attr, level, detail := t.cqlSubject(e.Subject)
	var probs []cqlProblem
	switch level {
	case spec.FidelityUnsupported:
		return nil, []cqlProblem{{level, detail + "; not translated, tasks may be placed on any node"}}
	case spec.FidelityApproximate:
		probs = append(probs, cqlProblem{level, detail})
	}
	c := func(op, val string) *api.Constraint {
		if op != api.ConstraintRegex {
			val = strings.Join(nodeValues(e.Subject, strings.Split(val, ",")), ",")
		}
		return &api.Constraint{LTarget: attr, RTarget: val, Operand: op}
	}
	switch op := effectiveOp(e.Operator, neg); op {
	case spec.CQLEq:
		return []*api.Constraint{c("=", e.Values[0])}, probs
	case spec.CQLNe:
		return []*api.Constraint{c("!=", e.Values[0])}, probs
	case spec.CQLIn:
		return []*api.Constraint{c(api.ConstraintSetContainsAny, strings.Join(e.Values, ","))}, probs
	case spec.CQLNotIn:
		var out []*api.Constraint
		for _, v := range e.Values {
			out = append(out, c("!=", v))
		}
		return out, probs
	case spec.CQLExists:
		return []*api.Constraint{c(api.ConstraintAttributeIsSet, "")}, probs
	case spec.CQLNotExists:
		return []*api.Constraint{c(api.ConstraintAttributeIsNotSet, "")}, probs
	case spec.CQLMatches:
		// ECS matches the whole value (Java regex); Nomad's regexp searches (RE2).
		if e.Subject == "attribute:ecs.cpu-architecture" {
			probs = append(probs, cqlProblem{spec.FidelityApproximate,
				"the regular expression is matched against Nomad's architecture names (amd64, arm64), not ECS's (x86_64)"})
		}
		return []*api.Constraint{c(api.ConstraintRegex, "^(?:"+e.Values[0]+")$")}, probs
	case spec.CQLGt, spec.CQLGe, spec.CQLLt, spec.CQLLe:
		return []*api.Constraint{c(op, e.Values[0])}, probs
	case spec.CQLNotMatches:
		if alts, ok := literalAlternatives(e.Values[0]); ok {
			var out []*api.Constraint
			for _, v := range alts {
				out = append(out, c("!=", v))
			}
			return out, probs
		}
		return nil, append(probs, cqlProblem{spec.FidelityUnsupported,
			fmt.Sprintf("%q: Nomad has no negated regexp constraint; not translated, tasks may be placed on any node", e.String())})
	}
	return nil, append(probs, cqlProblem{spec.FidelityUnsupported, fmt.Sprintf("%q: operator not translated", e.String())})
}

var literalAlternation = regexp.MustCompile(`^[A-Za-z0-9_.\-]+(\|[A-Za-z0-9_.\-]+)*$`)

// literalAlternatives recognises a regexp that is a plain list of literal values
// ("a|b|c", no metacharacters but the bar and dots are taken literally only when the
// value has no other meta), so that !~ can become several != constraints.
func literalAlternatives(re string) ([]string, bool) {
	if !literalAlternation.MatchString(re) || strings.Contains(re, ".") {
		return nil, false
	}
	return strings.Split(re, "|"), true
}

// cqlSubject maps a CQL subject to a Nomad attribute.
func (t *translator) cqlSubject(subject string) (attr string, level spec.FidelityLevel, detail string) {
	if name, ok := strings.CutPrefix(subject, "attribute:"); ok {
		a, l, d := nodeAttribute(t.cfg.ZoneAttribute, name)
		return a, spec.FidelityLevel(l), d
	}
	if subject == "ec2InstanceId" {
		return "${node.unique.id}", spec.FidelityApproximate, "ec2InstanceId becomes the Nomad node ID (${node.unique.id}); EC2 instance IDs do not match it"
	}
	return "", spec.FidelityUnsupported, fmt.Sprintf("subject %q has no Nomad equivalent", subject)
}
