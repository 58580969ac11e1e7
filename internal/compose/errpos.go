package compose

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// compose-go's errors and warnings are plain strings in a handful of shapes. These
// patterns recover the key path or value they name, so that locate can turn them into a
// file:line:col. Each pattern was seen in compose-go v2.16.2 output (see errpos_test.go).
var (
	// "failed to parse FILE: yaml: line 3, column 4: ..."
	reLineCol = regexp.MustCompile(`line (\d+), column (\d+)`)
	// "decoding failed ...: 'services[web].healthcheck.interval' time: ..."
	reBracketPath = regexp.MustCompile(`'services\[([^\]]+)\]((?:\.[A-Za-z0-9_\-]+|\[\d+\])*)'`)
	// "validating FILE: services.web.foo false schema", "error while interpolating services.web.image: ..."
	reDottedPath = regexp.MustCompile(`\b((?:services|volumes|networks|secrets|configs|include|models|jobs)(?:\.[A-Za-z0-9_\-]+)+)`)
	// `service "web" depends on ...`, `cannot extend service "web"`
	reServiceName = regexp.MustCompile(`service "([^"]+)"`)
	// `The "UNSET" variable is not set`, `required variable IMG is missing a value`
	reVariable    = regexp.MustCompile(`(?:The "([^"]+)" variable|variable ([A-Za-z_][A-Za-z0-9_]*) is missing)`)
	reQuoted      = regexp.MustCompile(`"([^"]+)"`)
	reNumericPart = regexp.MustCompile(`\.(\d+)(\.|$)`)
)

// locate finds where a compose-go message points. It returns the position and the key
// path it found ("" if it only found a file or a value).
func (ix *posIndex) locate(msg string) (spec.Pos, string) {
	file, hasFile := ix.fileIn(msg)
	if !hasFile {
		// compose-go's YAML errors do not always name the file: it is the broken one.
		for _, f := range ix.files {
			if f.broken {
				file, hasFile = f, true
			}
		}
	}
	// The last line/column is where the parser stopped ("while parsing ... at line 2,
	// column 12: line 3, column 4: did not find expected ...").
	if ms := reLineCol.FindAllStringSubmatch(msg, -1); ms != nil && hasFile {
		m := ms[len(ms)-1]
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return spec.Pos{File: file.display, Line: line, Col: col}, ""
	}
	if m := reBracketPath.FindStringSubmatch(msg); m != nil {
		p := "services." + m[1] + m[2]
		return ix.at(p), p
	}
	if m := reDottedPath.FindStringSubmatch(msg); m != nil {
		p := dottedToIndexed(m[1])
		return ix.at(p), p
	}
	if m := reVariable.FindStringSubmatch(msg); m != nil {
		name := m[1] + m[2]
		if s, ok := ix.findScalar(func(v string) bool {
			return strings.Contains(v, "${"+name) || strings.Contains(v, "$"+name)
		}); ok {
			return s.pos, s.path
		}
	}
	if m := reServiceName.FindStringSubmatch(msg); m != nil {
		p := "services." + m[1]
		return ix.at(p), p
	}
	// A message that quotes a value ("yes" for boolean) or ends with one
	// ("Invalid containerPort: xyz"): find the scalar that holds it.
	var needles []string
	for _, m := range reQuoted.FindAllStringSubmatch(msg, -1) {
		needles = append(needles, m[1])
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		needles = append(needles, strings.TrimSpace(msg[i+2:]))
	}
	for _, n := range needles {
		if n == "" {
			continue
		}
		if s, ok := ix.findScalar(func(v string) bool { return v == n }); ok {
			return s.pos, s.path
		}
		if s, ok := ix.findScalar(func(v string) bool { return strings.Contains(v, n) }); ok {
			return s.pos, s.path
		}
	}
	if hasFile {
		return spec.Pos{File: file.display}, ""
	}
	return spec.Pos{File: ix.first}, ""
}

// dottedToIndexed turns compose-go's "services.web.ports.0" into the index's
// "services.web.ports[0]" form.
func dottedToIndexed(p string) string {
	for {
		q := reNumericPart.ReplaceAllString(p, "[$1]$2")
		if q == p {
			return p
		}
		p = q
	}
}
