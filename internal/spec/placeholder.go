package spec

import (
	"regexp"
	"strconv"
	"strings"
)

// RuleTemplate is a definition file that holds template syntax: it is a template of a
// definition, not the definition AWS would register.
const RuleTemplate = "ECS-REPO-007"

// Template syntax that deploy tools fill in before they call the ECS API.
var (
	// envsubst, ecs-deploy scripts, Terraform templatefile: ${VAR}, ${VAR:-default}.
	dollarBrace = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_.]*(?:[:?+=-][^}]*)?\}`)
	// ecspresso and other Go templates: {{ must_env "X" }}, {{ tfstate "..." }}.
	goTemplate = regexp.MustCompile(`\{\{-?\s*[^{}]*\}\}`)
	// CodeDeploy / CodePipeline (<IMAGE1_NAME>) and documentation placeholders (<account-id>).
	angle = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9_-]*>`)
	// YOUR_ACCOUNT_ID, YOUR_BUCKET_HERE, REPLACE_ME.
	shouting = regexp.MustCompile(`\b(?:YOUR_[A-Z0-9_]+|[A-Z0-9_]+_HERE|REPLACE_?ME|CHANGE_?ME)\b`)
	// resource IDs with x's for their hexadecimal digits: subnet-xxxxxxxx, sg-0123XXXX.
	fakeID = regexp.MustCompile(`^(?:subnet|sg|vpc|fs|fsap|eni|ami)-[0-9a-f]*[xX][0-9a-fxX]*$`)

	accountPattern = regexp.MustCompile(`^(?:\d{12}|aws)?$`)
	regionPattern  = regexp.MustCompile(`^(?:[a-z]{2}(?:-[a-z]+)+-\d+)?$`)
)

// templateChecks are the template syntaxes in the order placeholder reports them, each
// with a substring test that every match contains: most strings of a repository hold
// none of them, and the test is far cheaper than the regexp (validate of 5,000 services
// spent a fifth of its time in these regexps).
var templateChecks = []struct {
	re    *regexp.Regexp
	maybe func(string) bool
}{
	{goTemplate, func(s string) bool { return strings.Contains(s, "{{") }},
	{dollarBrace, func(s string) bool { return strings.Contains(s, "${") }},
	{angle, func(s string) bool { return strings.IndexByte(s, '<') >= 0 }},
	{shouting, func(s string) bool {
		return strings.Contains(s, "YOUR_") || strings.Contains(s, "_HERE") || strings.Contains(s, "REPLACE") || strings.Contains(s, "CHANGE")
	}},
}

// shellFields hold commands that a shell or the program in the container expands itself:
// ${VAR} there is not template syntax.
var shellFields = []string{".command[", ".entryPoint[", ".healthCheck.command["}

// placeholder returns the template-looking part of s, or "".
func placeholder(s string) string {
	for _, c := range templateChecks {
		if !c.maybe(s) {
			continue
		}
		if m := c.re.FindString(s); m != "" {
			return m
		}
	}
	if strings.ContainsAny(s, "xX") && strings.IndexByte(s, '-') > 0 && fakeID.MatchString(s) {
		return s
	}
	if strings.HasPrefix(s, "arn:") {
		// arn:partition:service:region:account:resource
		if f := strings.SplitN(s, ":", 6); len(f) == 6 && (!accountPattern.MatchString(f[4]) || !regionPattern.MatchString(f[3])) {
			return s
		}
	}
	return ""
}

// templateHit is the first place a file looks like a template.
type templateHit struct {
	pos   Pos
	path  string
	match string
	count int
}

// findTemplates walks a parsed file and returns the first value (or key) that looks like
// template syntax, with the number of such values in the file.
func findTemplates(root *node) *templateHit {
	var hit *templateHit
	record := func(pos Pos, path, m string) {
		if hit == nil {
			hit = &templateHit{pos: pos, path: path, match: m}
		}
		hit.count++
	}
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		switch n.kind {
		case kindString:
			for _, f := range shellFields {
				if strings.Contains(path, f) {
					return
				}
			}
			if m := placeholder(n.str); m != "" {
				record(n.pos, path, m)
			}
		case kindArray:
			for i, e := range n.elems {
				walk(e, path+"["+strconv.Itoa(i)+"]")
			}
		case kindObject:
			for _, m := range n.members {
				if p := placeholder(m.key); p != "" && (goTemplate.MatchString(m.key) || dollarBrace.MatchString(m.key)) {
					record(m.keyPos, path, p)
				}
				walk(m.val, joinPath(path, m.key))
			}
		}
	}
	walk(root, "")
	return hit
}

// findTemplatesInText is findTemplates for a file that does not parse (a template that
// puts {{ }} where JSON wants a value): only the unambiguous template syntaxes count.
func findTemplatesInText(file string, src []byte) *templateHit {
	var hit *templateHit
	first := -1
	for _, re := range []*regexp.Regexp{goTemplate, dollarBrace} {
		for _, loc := range re.FindAllIndex(src, -1) {
			if hit == nil {
				hit = &templateHit{}
			}
			hit.count++
			if first < 0 || loc[0] < first {
				first = loc[0]
				hit.match = string(src[loc[0]:loc[1]])
			}
		}
	}
	if hit != nil {
		hit.pos = newLineIndex(file, src).pos(first)
	}
	return hit
}

// templateDiagnostic is the one diagnostic a templated file gets.
func templateDiagnostic(h *templateHit) Diagnostic {
	where := ""
	if h.path != "" {
		where = " in " + displayPath(h.path)
	}
	more := ""
	if h.count > 1 {
		more = sprintf(" (%d places in this file)", h.count)
	}
	return diag(h.pos, SeverityError, RuleTemplate,
		"this looks like template syntax (ecspresso / envsubst / CodeDeploy): %q%s%s. ecsgit reads a definition as AWS would register it, placeholders included; render the template first (ecspresso render, envsubst, your pipeline's step) and give ecsgit the rendered files, or write the real values",
		h.match, where, more)
}
