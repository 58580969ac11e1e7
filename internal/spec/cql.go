package spec

import (
	"fmt"
	"slices"
	"strings"
)

// CQLKind is the kind of a cluster-query-language expression node.
type CQLKind int

const (
	CQLTerm CQLKind = iota // subject operator [values]
	CQLAnd                 // Operands[0] and Operands[1] and ...
	CQLOr                  // Operands[0] or Operands[1] or ...
	CQLNot                 // not Operands[0]
)

// CQL operators, as written in expressions.
const (
	CQLEq         = "=="
	CQLNe         = "!="
	CQLGt         = ">"
	CQLGe         = ">="
	CQLLt         = "<"
	CQLLe         = "<="
	CQLExists     = "exists"
	CQLNotExists  = "!exists"
	CQLIn         = "in"
	CQLNotIn      = "!in"
	CQLMatches    = "=~"
	CQLNotMatches = "!~"
)

// CQLSubjects are the subjects the ECS cluster query language knows, besides
// "attribute:<name>".
var CQLSubjects = []string{"agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group"}

// MaxCQLLength is ECS's limit on a memberOf expression.
const MaxCQLLength = 2000

// CQLExpr is a parsed memberOf expression (ECS cluster query language): either a term
// `subject operator [values]`, or and/or/not over operands. Subject is kept as written:
// "attribute:ecs.availability-zone", "task:group", "agentConnected".
type CQLExpr struct {
	Kind     CQLKind
	Operands []*CQLExpr // CQLAnd, CQLOr (two or more), CQLNot (one)
	Subject  string     // CQLTerm
	Operator string     // CQLTerm: one of the CQL* operator constants
	Values   []string   // CQLTerm: none for exists/!exists, a list for in/!in, else one
}

// Attribute returns the attribute name of an "attribute:<name>" subject.
func (e *CQLExpr) Attribute() (string, bool) {
	return strings.CutPrefix(e.Subject, "attribute:")
}

// String renders e in canonical CQL form (fully parenthesised compounds).
func (e *CQLExpr) String() string {
	switch e.Kind {
	case CQLNot:
		return "not(" + e.Operands[0].String() + ")"
	case CQLAnd, CQLOr:
		op := " and "
		if e.Kind == CQLOr {
			op = " or "
		}
		parts := make([]string, len(e.Operands))
		for i, o := range e.Operands {
			parts[i] = o.String()
			if o.Kind == CQLAnd || o.Kind == CQLOr {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, op)
	}
	switch e.Operator {
	case CQLExists, CQLNotExists:
		return e.Subject + " " + e.Operator
	case CQLIn, CQLNotIn:
		return e.Subject + " " + e.Operator + " [" + strings.Join(e.Values, ", ") + "]"
	}
	return e.Subject + " " + e.Operator + " " + e.Values[0]
}

// CQLError is a syntax error in an expression, with the 1-based byte column.
type CQLError struct {
	Col int
	Msg string
}

func (e *CQLError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// ParseCQL parses an ECS cluster query language expression, e.g.
// `attribute:ecs.instance-type =~ t2.* and not(attribute:ecs.availability-zone in [us-east-1a, us-east-1b])`.
// Keywords and/or/not also have the forms &&, || and !.
func ParseCQL(expr string) (*CQLExpr, error) {
	if len(expr) > MaxCQLLength {
		return nil, &CQLError{MaxCQLLength + 1, fmt.Sprintf("expression longer than %d characters", MaxCQLLength)}
	}
	p := &cqlParser{src: expr}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != cqlEOF {
		return nil, p.errAt(t, "unexpected %q", t.text)
	}
	return e, nil
}

type cqlTokKind int

const (
	cqlEOF cqlTokKind = iota
	cqlWord
	cqlSym // ( ) [ ] , and operator symbols
)

type cqlTok struct {
	kind cqlTokKind
	text string
	off  int
}

type cqlParser struct {
	src string
	off int
}

func (p *cqlParser) errAt(t cqlTok, format string, args ...any) error {
	return &CQLError{t.off + 1, fmt.Sprintf(format, args...)}
}

// lex returns the token at p.off without consuming it.
func (p *cqlParser) lex() cqlTok {
	i := p.off
	for i < len(p.src) && isCQLSpace(p.src[i]) {
		i++
	}
	if i >= len(p.src) {
		return cqlTok{cqlEOF, "", i}
	}
	for _, s := range []string{"==", "!=", ">=", "<=", "=~", "!~", "&&", "||", "(", ")", "[", "]", ",", ">", "<"} {
		if strings.HasPrefix(p.src[i:], s) {
			return cqlTok{cqlSym, s, i}
		}
	}
	if p.src[i] == '!' && (i+1 >= len(p.src) || !isCQLWordByte(p.src[i+1])) {
		return cqlTok{cqlSym, "!", i}
	}
	j := i + 1
	for j < len(p.src) && isCQLWordByte(p.src[j]) {
		j++
	}
	return cqlTok{cqlWord, p.src[i:j], i}
}

func isCQLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func isCQLWordByte(b byte) bool {
	return !isCQLSpace(b) && !strings.ContainsRune("()[],=<>!&|", rune(b))
}

func (p *cqlParser) peek() cqlTok { return p.lex() }

func (p *cqlParser) next() cqlTok {
	t := p.lex()
	p.off = t.off + len(t.text)
	return t
}

func (p *cqlParser) isKeyword(t cqlTok, sym, word string) bool {
	return (t.kind == cqlSym && t.text == sym) || (t.kind == cqlWord && strings.EqualFold(t.text, word))
}

const maxCQLDepth = 100

func (p *cqlParser) or(depth int) (*CQLExpr, error) {
	return p.binary(depth, CQLOr, "||", "or", p.and)
}

func (p *cqlParser) and(depth int) (*CQLExpr, error) {
	return p.binary(depth, CQLAnd, "&&", "and", p.unary)
}

func (p *cqlParser) binary(depth int, kind CQLKind, sym, word string, operand func(int) (*CQLExpr, error)) (*CQLExpr, error) {
	left, err := operand(depth)
	if err != nil {
		return nil, err
	}
	operands := []*CQLExpr{left}
	for p.isKeyword(p.peek(), sym, word) {
		p.next()
		right, err := operand(depth)
		if err != nil {
			return nil, err
		}
		operands = append(operands, right)
	}
	if len(operands) == 1 {
		return left, nil
	}
	return &CQLExpr{Kind: kind, Operands: operands}, nil
}

func (p *cqlParser) unary(depth int) (*CQLExpr, error) {
	if depth > maxCQLDepth {
		return nil, p.errAt(p.peek(), "expression nested too deeply")
	}
	t := p.peek()
	switch {
	case p.isKeyword(t, "!", "not"):
		p.next()
		inner, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &CQLExpr{Kind: CQLNot, Operands: []*CQLExpr{inner}}, nil
	case t.kind == cqlSym && t.text == "(":
		p.next()
		inner, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.text != ")" || c.kind != cqlSym {
			return nil, p.errAt(c, "expected \")\", got %s", quoteTok(c))
		}
		return inner, nil
	}
	return p.term()
}

func quoteTok(t cqlTok) string {
	if t.kind == cqlEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *cqlParser) term() (*CQLExpr, error) {
	st := p.next()
	if st.kind != cqlWord {
		return nil, p.errAt(st, "expected a subject (attribute:<name>, task:group, %s), got %s", strings.Join(CQLSubjects[:5], ", "), quoteTok(st))
	}
	if err := checkCQLSubject(st); err != nil {
		return nil, err
	}
	e := &CQLExpr{Kind: CQLTerm, Subject: st.text}
	op := p.next()
	switch {
	case op.kind == cqlWord && slices.Contains([]string{CQLExists, CQLNotExists}, op.text):
		e.Operator = op.text
		return e, nil
	case op.kind == cqlWord && slices.Contains([]string{CQLIn, CQLNotIn}, op.text):
		e.Operator = op.text
		vals, err := p.list()
		e.Values = vals
		return e, err
	case op.kind == cqlSym && slices.Contains([]string{CQLEq, CQLNe, CQLGt, CQLGe, CQLLt, CQLLe}, op.text):
		e.Operator = op.text
		v := p.next()
		if v.kind != cqlWord {
			return nil, p.errAt(v, "expected a value after %q, got %s", op.text, quoteTok(v))
		}
		e.Values = []string{v.text}
		return e, nil
	case op.kind == cqlSym && (op.text == CQLMatches || op.text == CQLNotMatches):
		e.Operator = op.text
		v, err := p.regex(op)
		e.Values = []string{v}
		return e, err
	}
	return nil, p.errAt(op, "expected an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~) after %q, got %s", st.text, quoteTok(op))
}

func checkCQLSubject(t cqlTok) error {
	if name, ok := strings.CutPrefix(t.text, "attribute:"); ok {
		if name == "" {
			return &CQLError{t.off + 1, "attribute: needs a name, e.g. attribute:ecs.instance-type"}
		}
		return nil
	}
	if slices.Contains(CQLSubjects, t.text) {
		return nil
	}
	msg := fmt.Sprintf("unknown subject %q (want attribute:<name> or one of %s)", t.text, strings.Join(CQLSubjects, ", "))
	if s := suggest(t.text, CQLSubjects); s != "" {
		msg = fmt.Sprintf("unknown subject %q: did you mean %q?", t.text, s)
	}
	return &CQLError{t.off + 1, msg}
}

// regex reads a pattern: everything up to white space, except closing parentheses that
// close a group opened before the term (`not(attribute:x =~ t2.*)`).
func (p *cqlParser) regex(op cqlTok) (string, error) {
	i := p.off
	for i < len(p.src) && isCQLSpace(p.src[i]) {
		i++
	}
	j, depth := i, 0
	for j < len(p.src) && !isCQLSpace(p.src[j]) {
		if p.src[j] == '(' {
			depth++
		} else if p.src[j] == ')' {
			if depth == 0 {
				break
			}
			depth--
		}
		j++
	}
	if j == i {
		return "", &CQLError{i + 1, fmt.Sprintf("expected a pattern after %q", op.text)}
	}
	p.off = j
	return p.src[i:j], nil
}

func (p *cqlParser) list() ([]string, error) {
	open := p.next()
	if open.text != "[" {
		return nil, p.errAt(open, "expected \"[\" to start a list, got %s", quoteTok(open))
	}
	var vals []string
	for {
		v := p.next()
		if v.kind != cqlWord {
			return nil, p.errAt(v, "expected a list value, got %s", quoteTok(v))
		}
		vals = append(vals, v.text)
		switch sep := p.next(); sep.text {
		case ",":
			continue
		case "]":
			return vals, nil
		default:
			return nil, p.errAt(sep, "expected \",\" or \"]\", got %s", quoteTok(sep))
		}
	}
}
