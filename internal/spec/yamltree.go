package spec

import (
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// parseYAML parses src into a node tree with positions. go.yaml.in/yaml/v4 (the module's
// one YAML library, as compose-go's) is used only for its node positions; decoding into the
// model goes through the same strict decoder as JSON, so unknown keys get the same messages
// and suggestions.
func parseYAML(file string, src []byte) (*node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, yamlSyntaxError(file, err)
	}
	if doc.Kind == 0 { // empty file
		return &node{kind: kindObject, pos: Pos{File: file, Line: 1, Col: 1}}, nil
	}
	return fromYAML(file, &doc, 0)
}

// yamlError splits a syntax error of the YAML library, "yaml: [CONTEXT at MARK: ][MARK: ]
// MESSAGE" with MARK "line L[, column C]" or "<unknown position>", into its parts. Its
// error types live in an internal package, so the text is all there is to read.
var yamlError = regexp.MustCompile(`^yaml: (?:(.+?) at (<unknown position>|line \d+(?:, column \d+)?): )?(?:line (\d+)(?:, column (\d+))?: )?(.+)$`)

// yamlSyntaxError puts the error's line and column into the position, as JSON syntax
// errors have them, and keeps the context ("while parsing a flow sequence") after the
// message. Text it cannot split is kept whole.
func yamlSyntaxError(file string, err error) *syntaxError {
	m := yamlError.FindStringSubmatch(err.Error())
	if m == nil {
		return &syntaxError{Pos{File: file}, "invalid YAML: " + err.Error()}
	}
	pos := Pos{File: file}
	pos.Line, _ = strconv.Atoi(m[3])
	pos.Col, _ = strconv.Atoi(m[4])
	msg := "invalid YAML: " + m[5]
	switch {
	case m[1] != "" && m[2] != "<unknown position>":
		msg += " (" + m[1] + " at " + m[2] + ")"
	case m[1] != "":
		msg += " (" + m[1] + ")"
	}
	return &syntaxError{pos, msg}
}

func fromYAML(file string, y *yaml.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &syntaxError{Pos{File: file, Line: y.Line, Col: y.Column}, "nesting too deep"}
	}
	n := &node{pos: Pos{File: file, Line: y.Line, Col: y.Column}}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: kindObject, pos: n.pos}, nil
		}
		return fromYAML(file, y.Content[0], depth+1)
	case yaml.AliasNode:
		return fromYAML(file, y.Alias, depth+1)
	case yaml.MappingNode:
		n.kind = kindObject
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			v, err := fromYAML(file, y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, member{key: k.Value, keyPos: Pos{File: file, Line: k.Line, Col: k.Column}, val: v})
		}
	case yaml.SequenceNode:
		n.kind = kindArray
		for _, c := range y.Content {
			v, err := fromYAML(file, c, depth+1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
	case yaml.ScalarNode:
		return scalarFromYAML(n, y)
	default:
		return nil, &syntaxError{n.pos, fmt.Sprintf("unsupported YAML node kind %d", y.Kind)}
	}
	return n, nil
}

func scalarFromYAML(n *node, y *yaml.Node) (*node, error) {
	switch y.ShortTag() {
	case "!!null":
		n.kind = kindNull
	case "!!bool":
		b, err := strconv.ParseBool(y.Value)
		if err != nil {
			return nil, &syntaxError{n.pos, fmt.Sprintf("invalid boolean %q", y.Value)}
		}
		n.kind, n.str = kindBool, strconv.FormatBool(b)
	case "!!int", "!!float":
		n.kind, n.str = kindNumber, y.Value
	default:
		n.kind, n.str = kindString, y.Value
	}
	return n, nil
}
