package spec

import (
	"slices"
	"strings"
	"sync"
)

// FileCache keeps, from one Load of a repository to the next, what each task definition
// and service file contributed after decoding, normalization and the rules that need
// only that file (checkTaskDefinition, checkService). A file whose content did not
// change is not parsed, decoded or checked again; the rules that need the whole
// repository (a service's task definition in another file, duplicates, target groups,
// scaling targets, ecsgit.yaml's services) run on every Load, over every file, cached or
// not, because their outcome depends on the other files.
//
// A file is the same when its name (as positions show it) and its content key are: the
// git blob hash from LoadOptions.Digests when the caller knows it (the file is then not
// even read), else the SHA-256 of its bytes. The name is part of the key because every
// position in the cached result names the file, so a cache only pays off with
// LoadOptions.RelativeNames when the repository is checked out at a new directory for
// each commit (the daemon's snapshots).
//
// Only files without errors are kept (a broken file is decoded again, so what it reports
// is always computed fresh), and only the files of the latest Load: the cache never
// holds more than one repository's worth. Each Load hands out shallow copies of the
// cached documents, so what the assembly sets on a service (After, PreDeploy, Scaling)
// never leaks into the next Load. A FileCache is safe for one Load at a time.
type FileCache struct {
	mu sync.Mutex
	// The maps hold pointers: a map's values over 128 bytes are stored one allocation
	// each, and a new map per Load would allocate every kept file again, scattered among
	// that Load's garbage, whose spans then stay in use until the next Load (span slack
	// in the daemon's RSS between passes, issue 19).
	entries map[string]*cachedFile // file name as positions show it → result
	next    map[string]*cachedFile // what the Load in progress saw
	stats   CacheStats
	// shapes interns the sorted field paths of the position tables kept (PosTable):
	// files of the same shape (the same fields, containers, ports) share one slice, and
	// its strings are shared between shapes. It is rebuilt from the kept entries at the
	// end of each Load, so it never outgrows them.
	shapes map[string][]string
	paths  map[string]string
}

// CacheStats counts, for the latest Load, the files taken from the cache and the files
// decoded.
type CacheStats struct {
	Hits, Misses int
}

type cachedFile struct {
	key string // "git:<blob hash>" or "sha256:<hex>"
	r   fileResult
}

// NewFileCache returns an empty cache.
func NewFileCache() *FileCache { return &FileCache{entries: map[string]*cachedFile{}} }

// Stats returns the counts of the latest Load.
func (c *FileCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *FileCache) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next = make(map[string]*cachedFile, len(c.entries))
	c.stats = CacheStats{}
	if c.shapes == nil {
		c.shapes, c.paths = map[string][]string{}, map[string]string{}
	}
}

// end keeps only what this Load saw.
func (c *FileCache) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.next = c.next, nil
	shapes, paths := map[string][]string{}, map[string]string{}
	seen := map[*string]bool{} // most entries share a few slices: join each once
	for _, e := range c.entries {
		for _, t := range []*PosTable{e.r.tdTable(), e.r.svcTable()} {
			if t != nil && len(t.paths) > 0 && !seen[&t.paths[0]] {
				seen[&t.paths[0]] = true
				shapes[shapeKey(t.paths)] = t.paths
				for _, p := range t.paths {
					paths[p] = p
				}
			}
		}
	}
	c.shapes, c.paths = shapes, paths
}

// get returns a copy of the result cached for name with content key.
func (c *FileCache) get(name, key string) (fileResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[name]
	if !ok || e.key != key {
		c.stats.Misses++
		return fileResult{}, false
	}
	c.stats.Hits++
	c.next[name] = e
	return e.r.copy(), true
}

// put keeps r for name when it may be reused: a task definition or service without
// errors.
func (c *FileCache) put(name, key string, r fileResult) {
	if !r.cacheable() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := r.copy()
	if kept.td != nil {
		if t, ok := c.table(kept.td.Fields); ok {
			kept.td.Fields, kept.td.table = nil, t
		}
		compactStrings(kept.td)
	}
	if kept.svc != nil {
		if t, ok := c.table(kept.svc.Fields); ok {
			kept.svc.Fields, kept.svc.table = nil, t
		}
		compactStrings(kept.svc)
	}
	c.next[name] = &cachedFile{key: key, r: kept}
}

// table returns m as a PosTable whose path slice is the interned one of its shape
// (c.mu held).
func (c *FileCache) table(m PosMap) (*PosTable, bool) {
	paths := SortedPaths(m)
	k := shapeKey(paths)
	if shared, ok := c.shapes[k]; ok && slices.Equal(shared, paths) {
		paths = shared
	} else {
		for i, p := range paths {
			if q, ok := c.paths[p]; ok {
				paths[i] = q
			} else {
				c.paths[p] = p
			}
		}
		c.shapes[k] = paths
	}
	return NewPosTable(m, paths)
}

// shapeKey identifies a sorted path list; a collision only costs sharing (table checks
// the slices are equal).
func shapeKey(paths []string) string { return strings.Join(paths, "\x00") }

func (r fileResult) tdTable() *PosTable {
	if r.td == nil {
		return nil
	}
	return r.td.table
}

func (r fileResult) svcTable() *PosTable {
	if r.svc == nil {
		return nil
	}
	return r.svc.table
}

func (r fileResult) cacheable() bool {
	return (r.td != nil || r.svc != nil) && !r.diags.HasErrors(false)
}

// copy returns r with its own task definition and service document structs, so the
// assembly's assignments to them stay out of the cached one. The values inside are
// shared: nothing after checkTaskDefinition/checkService writes into them (translation
// copies what it overrides), which TestFileCacheEqualPlans holds to.
func (r fileResult) copy() fileResult {
	if r.td != nil {
		td := *r.td
		r.td = &td
	}
	if r.svc != nil {
		svc := *r.svc
		r.svc = &svc
	}
	return r
}
