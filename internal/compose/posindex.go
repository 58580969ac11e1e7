package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
	"go.yaml.in/yaml/v4"
)

// posIndex maps compose key paths ("services.web.ports[0]") to where they are written.
// It is built once per load from the same files compose-go reads (the -f files plus what
// they include and extend) and is then shared by every diagnostic and fidelity note, so
// no caller ever parses YAML again.
//
// compose-go's Project carries no positions, and its errors only sometimes name a key;
// the index is what lets ecsgit point at the line a user must edit.
type posIndex struct {
	files []*fileIndex // in merge order: included/extended files first, then the -f files
	// extends records `services.X.extends` so a key that X inherits is found in the
	// service it extends (possibly in another file).
	extends map[string]extendsRef
	first   string // display name of the first -f file: the anchor of last resort
}

type extendsRef struct {
	file    *fileIndex
	service string
}

type fileIndex struct {
	abs     string
	display string
	paths   map[string]spec.Pos
	scalars []scalarAt // in document order, for locating messages by value
	// broken: the file is not valid YAML (a syntax error without a file name is its).
	broken bool
	// visits counts walked nodes: aliases can expand exponentially ("billion laughs").
	visits int
}

type scalarAt struct {
	path  string
	value string
	pos   spec.Pos
}

// newPosIndex indexes files (absolute paths, -f order). displayRoot, when set, makes the
// file names in positions relative to it (the repository root), so positions and golden
// output do not depend on where a checkout lives.
func newPosIndex(files []string, displayRoot string) *posIndex {
	ix := &posIndex{extends: map[string]extendsRef{}}
	seen := map[string]bool{}
	for _, f := range files {
		ix.addFile(f, displayRoot, seen, 0)
	}
	if len(files) > 0 {
		ix.first = displayName(files[0], displayRoot)
	}
	return ix
}

func displayName(abs, root string) string {
	if root == "" {
		return abs
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return abs
	}
	return filepath.ToSlash(rel)
}

// maxIncludeDepth bounds include/extends recursion in the index (compose-go rejects cycles
// itself; this only keeps a malformed project from recursing here).
const maxIncludeDepth = 16

func (ix *posIndex) addFile(abs, root string, seen map[string]bool, depth int) *fileIndex {
	if seen[abs] || depth > maxIncludeDepth {
		for _, f := range ix.files {
			if f.abs == abs {
				return f
			}
		}
		return nil
	}
	seen[abs] = true
	fi := &fileIndex{abs: abs, display: displayName(abs, root), paths: map[string]spec.Pos{}}
	b, err := os.ReadFile(abs)
	if err == nil {
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			fi.broken = true
		} else if len(doc.Content) > 0 {
			fi.paths[""] = spec.Pos{File: fi.display}
			fi.walk(doc.Content[0], "", 0)
			// Included and extended files are indexed before this one: they are merged
			// under it, so this file's own keys take precedence in lookups.
			ix.addReferenced(fi, doc.Content[0], root, seen, depth)
		}
	}
	ix.files = append(ix.files, fi)
	return fi
}

// addReferenced indexes the files a compose file pulls in (include, extends.file) and
// records which service extends which.
func (ix *posIndex) addReferenced(fi *fileIndex, top *yaml.Node, root string, seen map[string]bool, depth int) {
	dir := filepath.Dir(fi.abs)
	resolve := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if inc := mapValue(top, "include"); inc != nil && inc.Kind == yaml.SequenceNode {
		for _, item := range inc.Content {
			for _, p := range includePaths(item) {
				ix.addFile(resolve(p), root, seen, depth+1)
			}
		}
	}
	services := mapValue(top, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		name, body := services.Content[i].Value, services.Content[i+1]
		ext := mapValue(body, "extends")
		if ext == nil {
			continue
		}
		ref := extendsRef{file: fi}
		switch ext.Kind {
		case yaml.ScalarNode:
			ref.service = ext.Value
		case yaml.MappingNode:
			if s := mapValue(ext, "service"); s != nil {
				ref.service = s.Value
			}
			if f := mapValue(ext, "file"); f != nil && f.Value != "" {
				if other := ix.addFile(resolve(f.Value), root, seen, depth+1); other != nil {
					ref.file = other
				}
			}
		}
		if ref.service != "" {
			ix.extends[name] = ref
		}
	}
}

func includePaths(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}
	case yaml.MappingNode:
		p := mapValue(n, "path")
		if p == nil {
			return nil
		}
		if p.Kind == yaml.ScalarNode {
			return []string{p.Value}
		}
		var out []string
		for _, c := range p.Content {
			out = append(out, c.Value)
		}
		return out
	}
	return nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// maxWalkDepth stops pathological nesting (fuzzed input) from exhausting the stack, and
// maxWalkNodes stops alias expansion from exhausting time and memory. Real compose files
// are far below both; beyond them positions fall back to the nearest indexed ancestor.
const (
	maxWalkDepth = 64
	maxWalkNodes = 200_000
)

func (fi *fileIndex) walk(n *yaml.Node, path string, depth int) {
	fi.visits++
	if depth > maxWalkDepth || fi.visits > maxWalkNodes {
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		// An alias stands where it is used; its content was written at the anchor. Keys
		// below it are attributed to the anchor's lines, which is where a user edits them.
		if n.Alias != nil && depth < maxWalkDepth {
			fi.walkMerged(n.Alias, path, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue // merged after explicit keys, which take precedence
			}
			p := joinKey(path, k.Value)
			fi.paths[p] = fi.pos(k)
			fi.walk(v, p, depth+1)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; k.Value == "<<" {
				if v.Kind == yaml.SequenceNode {
					for _, c := range v.Content {
						fi.walkMerged(c, path, depth+1)
					}
				} else {
					fi.walkMerged(v, path, depth+1)
				}
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			fi.paths[p] = fi.pos(c)
			fi.walk(c, p, depth+1)
		}
	case yaml.ScalarNode:
		fi.scalars = append(fi.scalars, scalarAt{path: path, value: n.Value, pos: fi.pos(n)})
	}
}

// walkMerged indexes a merged or aliased node under path without overriding keys that
// are already known (explicit keys win over `<<` merges).
func (fi *fileIndex) walkMerged(n *yaml.Node, path string, depth int) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	tmp := &fileIndex{display: fi.display, paths: map[string]spec.Pos{}, visits: fi.visits}
	tmp.walk(n, path, depth)
	fi.visits = tmp.visits
	for p, pos := range tmp.paths {
		if _, ok := fi.paths[p]; !ok {
			fi.paths[p] = pos
		}
	}
}

func (fi *fileIndex) pos(n *yaml.Node) spec.Pos {
	return spec.Pos{File: fi.display, Line: n.Line, Col: n.Column}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentKey strips the last segment of a key path ("a.b[2]" → "a.b", "a.b" → "a").
func parentKey(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// has reports whether path is written in any indexed file.
func (ix *posIndex) has(path string) bool {
	_, ok := ix.exact(path)
	return ok
}

func (ix *posIndex) exact(path string) (spec.Pos, bool) {
	// Later files override earlier ones, so the last file that writes a key is where the
	// effective value comes from.
	for i := len(ix.files) - 1; i >= 0; i-- {
		if pos, ok := ix.files[i].paths[path]; ok {
			return pos, true
		}
	}
	return spec.Pos{}, false
}

// viaExtends finds services.X.rest in the service X extends, following chains.
func (ix *posIndex) viaExtends(path string) (spec.Pos, bool) {
	for hops := 0; hops < maxIncludeDepth; hops++ {
		rest, ok := strings.CutPrefix(path, "services.")
		if !ok {
			return spec.Pos{}, false
		}
		svc, tail, _ := strings.Cut(rest, ".")
		ref, ok := ix.extends[svc]
		if !ok || ref.service == svc && tail == "" {
			return spec.Pos{}, false
		}
		path = "services." + ref.service
		if tail != "" {
			path += "." + tail
		}
		if pos, ok := ref.file.paths[path]; ok {
			return pos, true
		}
	}
	return spec.Pos{}, false
}

// at returns where path is written, or its nearest written ancestor, or the first file.
func (ix *posIndex) at(path string) spec.Pos {
	for p := path; p != ""; p = parentKey(p) {
		if pos, ok := ix.exact(p); ok {
			return pos
		}
		if pos, ok := ix.viaExtends(p); ok {
			return pos
		}
	}
	return spec.Pos{File: ix.first}
}

// findScalar returns the first scalar (in merge order, last file first) whose value
// satisfies match, for messages that name a value but not a key.
func (ix *posIndex) findScalar(match func(string) bool) (scalarAt, bool) {
	for i := len(ix.files) - 1; i >= 0; i-- {
		for _, s := range ix.files[i].scalars {
			if match(s.value) {
				return s, true
			}
		}
	}
	return scalarAt{}, false
}

// fileByName finds an indexed file mentioned in a message (absolute or display name).
func (ix *posIndex) fileIn(msg string) (*fileIndex, bool) {
	var best *fileIndex
	for _, f := range ix.files {
		if strings.Contains(msg, f.abs) && (best == nil || len(f.abs) > len(best.abs)) {
			best = f
		}
	}
	return best, best != nil
}
