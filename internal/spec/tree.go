package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// nodeKind is the JSON type of a node.
type nodeKind int

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is one value of a parsed document with the place it stood in its file. JSON and
// YAML (ecsgit.yaml) are both parsed into nodes, so one strict decoder serves both.
type node struct {
	kind    nodeKind
	pos     Pos
	str     string // string value, number text, or "true"/"false"
	members []member
	elems   []*node
	raw     []byte // the source text of the value (JSON only), for json.RawMessage fields
}

type member struct {
	key    string
	keyPos Pos
	val    *node
}

// lineIndex maps byte offsets to 1-based line:column (column counts bytes, like gc and
// most editors' "column" for ASCII files).
type lineIndex struct {
	file   string
	starts []int // offset of the first byte of each line
}

func newLineIndex(file string, src []byte) *lineIndex {
	starts := make([]int, 1, 64)
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{file: file, starts: starts}
}

func (li *lineIndex) pos(off int) Pos {
	lo, hi := 0, len(li.starts)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Pos{File: li.file, Line: lo + 1, Col: off - li.starts[lo] + 1}
}

// syntaxError is a JSON document that cannot be parsed, with where.
type syntaxError struct {
	pos Pos
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s: %s", e.pos, e.msg) }

// parseJSON parses src into a node tree: the allocation-light scanner (scan.go) for a
// well-formed document, and for anything it refuses the Decoder-based parser below, whose
// error (message, line and column) is the one users get. So the scanner only has to be
// right about valid JSON; what an invalid file reports cannot change.
func parseJSON(file string, src []byte) (*node, error) {
	if n, ok := scanJSON(file, src); ok {
		return n, nil
	}
	return parseJSONDecoder(file, src)
}

// parseJSONDecoder parses src into a node tree with encoding/json's Decoder doing the
// tokenizing (so string escapes and number syntax are exactly Go's); positions come from
// InputOffset: after a token the offset points past it, and the next token starts at the
// first byte that is not whitespace or a separator.
func parseJSONDecoder(file string, src []byte) (*node, error) {
	p := &jsonParser{src: src, li: newLineIndex(file, src), dec: json.NewDecoder(bytes.NewReader(src))}
	p.dec.UseNumber()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &syntaxError{p.li.pos(p.next()), "unexpected data after the top-level value"}
	}
	return n, nil
}

type jsonParser struct {
	src   []byte
	li    *lineIndex
	dec   *json.Decoder
	depth int
}

// maxDepth bounds nesting so that a hostile file cannot exhaust the stack.
const maxDepth = 200

func (p *jsonParser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.src) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) token() (json.Token, int, error) {
	start := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, start, p.wrap(err, start)
	}
	return tok, start, nil
}

func (p *jsonParser) wrap(err error, start int) error {
	// The Decoder's offsets point near, not at, the offending byte; the whole-document
	// validity check that json.Unmarshal runs first reports the exact one.
	var v any
	if uerr := json.Unmarshal(p.src, &v); uerr != nil {
		err = uerr
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		return &syntaxError{p.li.pos(len(p.src)), "invalid JSON: unexpected end of file"}
	case errors.As(err, &se):
		off := int(se.Offset)
		if off > 0 {
			off-- // Offset counts the offending byte as read
		}
		return &syntaxError{p.li.pos(off), "invalid JSON: " + se.Error()}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &syntaxError{p.li.pos(len(p.src)), "invalid JSON: unexpected end of file"}
	}
	return &syntaxError{p.li.pos(start), "invalid JSON: " + err.Error()}
}

func (p *jsonParser) value() (*node, error) {
	tok, start, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.valueFrom(tok, start)
}

func (p *jsonParser) valueFrom(tok json.Token, start int) (*node, error) {
	n := &node{pos: p.li.pos(start)}
	switch t := tok.(type) {
	case nil:
		n.kind = kindNull
	case bool:
		n.kind, n.str = kindBool, fmt.Sprint(t)
	case json.Number:
		n.kind, n.str = kindNumber, string(t)
	case string:
		n.kind, n.str = kindString, t
	case json.Delim:
		if p.depth++; p.depth > maxDepth {
			return nil, &syntaxError{n.pos, fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
		}
		defer func() { p.depth-- }()
		var err error
		if t == '{' {
			n.kind = kindObject
			err = p.object(n)
		} else {
			n.kind = kindArray
			err = p.array(n)
		}
		if err != nil {
			return nil, err
		}
	}
	n.raw = p.src[start:p.dec.InputOffset()]
	return n, nil
}

func (p *jsonParser) object(n *node) error {
	for p.dec.More() {
		tok, keyOff, err := p.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		v, err := p.value()
		if err != nil {
			return err
		}
		n.members = append(n.members, member{key: key, keyPos: p.li.pos(keyOff), val: v})
	}
	_, _, err := p.token() // '}'
	return err
}

func (p *jsonParser) array(n *node) error {
	for p.dec.More() {
		v, err := p.value()
		if err != nil {
			return err
		}
		n.elems = append(n.elems, v)
	}
	_, _, err := p.token() // ']'
	return err
}

// get returns the member value named key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}
