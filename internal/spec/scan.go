package spec

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// scanJSON parses a well-formed JSON document into a node tree without a tokenizer that
// allocates per token: it walks the bytes once, takes every plain string and number as
// a substring of one copy of the file, tracks line and column while it skips whitespace
// (valid JSON has line breaks nowhere else), and allocates nodes in blocks and each
// object's members and each array's elements once, at their exact size.
//
// At 5,000 services the Decoder-based parser was the largest part of validate's CPU
// (Decoder.Token 21 %, most of the rest garbage collection of its per-token values).
//
// ok is false for anything it does not accept: a syntax error, nesting deeper than
// maxDepth, data after the value. parseJSON then runs the Decoder-based parser, which
// produces the error users see, so this scanner never decides what an invalid file
// reports. A string with escapes or bytes that are not UTF-8 is unquoted by
// encoding/json, so string values are exactly Go's.
func scanJSON(file string, src []byte) (*node, bool) {
	s := &scanner{src: src, text: string(src), file: file}
	// Every value but the top-level one follows a '[', '{' or ',', so their count bounds
	// the nodes: one block of that size (commas inside strings only make it larger).
	s.block = make([]node, 0, 1+bytes.Count(src, []byte{','})+bytes.Count(src, []byte{'['})+bytes.Count(src, []byte{'{'}))
	s.skipSpace()
	n, ok := s.value()
	if !ok {
		return nil, false
	}
	s.skipSpace()
	return n, s.off == len(src)
}

type scanner struct {
	src       []byte
	text      string // src as one string: values are substrings of it
	file      string
	off       int
	line      int // 0-based line of off
	lineStart int // offset of the first byte of that line
	depth     int
	block     []node   // nodes are taken from here; a new block when it is used up
	members   []member // the members of the objects being scanned, innermost last
	elems     []*node  // likewise the elements of the arrays
}

const scanBlock = 64

func (s *scanner) newNode(kind nodeKind, start int) *node {
	if len(s.block) == cap(s.block) {
		s.block = make([]node, 0, scanBlock)
	}
	s.block = append(s.block, node{kind: kind, pos: s.pos(start)})
	return &s.block[len(s.block)-1]
}

// pos is the position of offset off on the current line.
func (s *scanner) pos(off int) Pos {
	return Pos{File: s.file, Line: s.line + 1, Col: off - s.lineStart + 1}
}

func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case '\n':
			s.line++
			s.lineStart = s.off + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		s.off++
	}
}

// value scans the value at s.off (whitespace already skipped).
func (s *scanner) value() (*node, bool) {
	if s.off >= len(s.src) {
		return nil, false
	}
	start := s.off
	var n *node
	switch c := s.src[start]; {
	case c == '{':
		n = s.newNode(kindObject, start)
		if !s.object(n) {
			return nil, false
		}
	case c == '[':
		n = s.newNode(kindArray, start)
		if !s.array(n) {
			return nil, false
		}
	case c == '"':
		str, ok := s.string()
		if !ok {
			return nil, false
		}
		n = s.newNode(kindString, start)
		n.str = str
	case c == '-' || c >= '0' && c <= '9':
		if !s.number() {
			return nil, false
		}
		n = s.newNode(kindNumber, start)
		n.str = s.text[start:s.off]
	case s.literal("true"):
		n = s.newNode(kindBool, start)
		n.str = "true"
	case s.literal("false"):
		n = s.newNode(kindBool, start)
		n.str = "false"
	case s.literal("null"):
		n = s.newNode(kindNull, start)
	default:
		return nil, false
	}
	n.raw = s.src[start:s.off]
	return n, true
}

func (s *scanner) literal(word string) bool {
	if len(s.src)-s.off < len(word) || s.text[s.off:s.off+len(word)] != word {
		return false
	}
	s.off += len(word)
	return true
}

// enter and leave bound the nesting, as the Decoder-based parser does.
func (s *scanner) enter() bool { s.depth++; return s.depth <= maxDepth }
func (s *scanner) leave()      { s.depth-- }

func (s *scanner) object(n *node) bool {
	if !s.enter() {
		return false
	}
	defer s.leave()
	s.off++ // '{'
	base := len(s.members)
	s.skipSpace()
	if s.off < len(s.src) && s.src[s.off] == '}' {
		s.off++
		return true
	}
	for {
		if s.off >= len(s.src) || s.src[s.off] != '"' {
			return false
		}
		keyPos := s.pos(s.off)
		key, ok := s.string()
		if !ok {
			return false
		}
		s.skipSpace()
		if s.off >= len(s.src) || s.src[s.off] != ':' {
			return false
		}
		s.off++
		s.skipSpace()
		v, ok := s.value()
		if !ok {
			return false
		}
		s.members = append(s.members, member{key: key, keyPos: keyPos, val: v})
		s.skipSpace()
		if s.off >= len(s.src) {
			return false
		}
		switch s.src[s.off] {
		case ',':
			s.off++
			s.skipSpace()
			continue
		case '}':
			s.off++
			n.members = append([]member(nil), s.members[base:]...)
			clear(s.members[base:])
			s.members = s.members[:base]
			return true
		}
		return false
	}
}

func (s *scanner) array(n *node) bool {
	if !s.enter() {
		return false
	}
	defer s.leave()
	s.off++ // '['
	base := len(s.elems)
	s.skipSpace()
	if s.off < len(s.src) && s.src[s.off] == ']' {
		s.off++
		return true
	}
	for {
		v, ok := s.value()
		if !ok {
			return false
		}
		s.elems = append(s.elems, v)
		s.skipSpace()
		if s.off >= len(s.src) {
			return false
		}
		switch s.src[s.off] {
		case ',':
			s.off++
			s.skipSpace()
			continue
		case ']':
			s.off++
			n.elems = append([]*node(nil), s.elems[base:]...)
			clear(s.elems[base:]) // no stale pointers kept alive by the scratch stack
			s.elems = s.elems[:base]
			return true
		}
		return false
	}
}

// string scans the string literal at s.off and returns its value.
func (s *scanner) string() (string, bool) {
	start := s.off
	plain := true // no escape, only ASCII: the value is the text between the quotes
	for i := start + 1; i < len(s.src); i++ {
		switch c := s.src[i]; {
		case c == '"':
			s.off = i + 1
			if plain || (!hasByte(s.src[start+1:i], '\\') && utf8.Valid(s.src[start+1:i])) {
				return s.text[start+1 : i], true
			}
			var v string // escapes or invalid UTF-8: exactly as encoding/json reads them
			if json.Unmarshal(s.src[start:i+1], &v) != nil {
				return "", false
			}
			return v, true
		case c == '\\':
			plain = false
			i++ // the escaped byte cannot end the string; encoding/json checks the escape
		case c < 0x20:
			return "", false // a control character must be escaped
		case c >= 0x80:
			plain = false
		}
	}
	return "", false
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	i := s.off
	if i < len(s.src) && s.src[i] == '-' {
		i++
	}
	switch {
	case i < len(s.src) && s.src[i] == '0':
		i++
	case i < len(s.src) && s.src[i] >= '1' && s.src[i] <= '9':
		i = s.digits(i)
	default:
		return false
	}
	if i < len(s.src) && s.src[i] == '.' {
		j := s.digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s.src) && (s.src[i] == 'e' || s.src[i] == 'E') {
		i++
		if i < len(s.src) && (s.src[i] == '+' || s.src[i] == '-') {
			i++
		}
		j := s.digits(i)
		if j == i {
			return false
		}
		i = j
	}
	s.off = i
	return true
}

func (s *scanner) digits(i int) int {
	for i < len(s.src) && s.src[i] >= '0' && s.src[i] <= '9' {
		i++
	}
	return i
}
