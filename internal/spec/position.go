package spec

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Pos is a place in a source file. Line and Col are 1-based; a zero Line means the file
// as a whole (used when a problem has no better anchor, e.g. a missing required field is
// reported at the object that lacks it).
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// Less orders positions by file, line, then column: the order every report uses.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// PosMap records where each decoded value stood in its file, keyed by field path in ECS
// JSON terms: "family", "containerDefinitions[0].image",
// "containerDefinitions[1].portMappings[0].hostPort". Paths use the JSON (camelCase) names
// and zero-based indexes of the source document, so diagnostics and plan diffs can point at
// the exact line a user must edit.
type PosMap map[string]Pos

// At returns the position of path, or of its nearest recorded ancestor, so that a value
// that was defaulted (absent from the file) is reported at the object that would hold it.
func (m PosMap) At(path string) Pos {
	for p := path; ; {
		if pos, ok := m[p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return m[""]
}

// Positions answers where a document's values stood: a PosMap while a document is
// decoded, a PosTable once a FileCache keeps it.
type Positions interface {
	// At returns the position of path or of its nearest recorded ancestor (PosMap.At).
	At(path string) Pos
}

// PosTable is the compact, read-only form of a PosMap whose positions are all in one
// file, for documents kept between Loads (FileCache): the file name once, the paths as
// a sorted slice that files of the same shape share (a cache interns it), and each
// path's line and column as two uint32s. At 5,000 services the maps were over half of
// the cache's memory (a map entry costs the key, a 32-byte Pos and the map's own slack;
// a table entry costs 8 bytes when its path list is shared).
type PosTable struct {
	file  string
	paths []string // sorted; shared, never written after the table is built
	lc    []uint32 // line and column of paths[i] at lc[2i], lc[2i+1]
}

// NewPosTable returns m as a table, or ok false when m's positions name more than one
// file (a compose document's can; those stay maps). paths, when not nil, is m's keys
// sorted, as a cache hands out for files of the same shape; nil sorts them here.
func NewPosTable(m PosMap, paths []string) (t *PosTable, ok bool) {
	if paths == nil {
		paths = SortedPaths(m)
	}
	t = &PosTable{paths: paths, lc: make([]uint32, 2*len(paths))}
	first := true
	for i, p := range paths {
		pos := m[p]
		if first {
			t.file, first = pos.File, false
		} else if pos.File != t.file {
			return nil, false
		}
		if pos.Line < 0 || pos.Col < 0 || int64(pos.Line) > math.MaxUint32 || int64(pos.Col) > math.MaxUint32 {
			return nil, false
		}
		t.lc[2*i], t.lc[2*i+1] = uint32(pos.Line), uint32(pos.Col)
	}
	return t, true
}

// SortedPaths returns the keys of m in order.
func SortedPaths(m PosMap) []string {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// At returns the position of path, or of its nearest recorded ancestor, exactly as
// PosMap.At does for the map the table was built from.
func (t *PosTable) At(path string) Pos {
	for p := path; ; {
		if pos, ok := t.lookup(p); ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	pos, _ := t.lookup("")
	return pos
}

func (t *PosTable) lookup(path string) (Pos, bool) {
	i, ok := slices.BinarySearch(t.paths, path)
	if !ok {
		return Pos{}, false
	}
	return Pos{File: t.file, Line: int(t.lc[2*i]), Col: int(t.lc[2*i+1])}, true
}

// Len is the number of recorded paths.
func (t *PosTable) Len() int { return len(t.paths) }

// Severity of a diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	// SeverityAdvice is style advice about a definition AWS accepts and ecsgit runs as
	// written (an image without a tag): shown by default, never a failure, not even with
	// --strict, because --strict is about fidelity to AWS and AWS's own samples do this.
	SeverityAdvice Severity = "advice"
	// SeverityNote is informational (e.g. a read-only describe-task-definition field that
	// was ignored); it never fails validation, not even with --strict.
	SeverityNote Severity = "note"
)

// Diagnostic is one problem found in the desired state. Rule is a stable identifier
// (e.g. "ECS-TD-005") that users can grep for and that documentation lists; it never
// changes meaning once released.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	// FollowOn marks a diagnostic that may be a consequence of another error: a reference
	// to a family or service that a file with errors may define. Sort lists follow-ons
	// after every other diagnostic, so whatever leads with the first error (the daemon's
	// status, the CLI) names the root cause.
	FollowOn bool `json:"follow_on,omitempty"`
}

// String renders the one-line form used by `ecsgit validate`:
// FILE:LINE:COL: error|warning|advice|note: MESSAGE [RULE-ID]
func (d Diagnostic) String() string {
	if d.Rule == "" {
		return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
	}
	return fmt.Sprintf("%s: %s: %s [%s]", d.Pos, d.Severity, d.Message, d.Rule)
}

// Diagnostics is a list of diagnostics with helpers for the common questions.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error, or (strict) a warning. Advice
// and notes never count.
func (ds Diagnostics) HasErrors(strict bool) bool {
	for _, d := range ds {
		if d.Severity == SeverityError || (strict && d.Severity == SeverityWarning) {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by file, line, column, then rule and message, so output is
// stable across runs (map iteration and goroutine order must never show in it). Follow-on
// diagnostics come after all the others, in the same order among themselves.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.FollowOn != b.FollowOn {
			return b.FollowOn
		}
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}
