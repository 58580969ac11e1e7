package spec

import (
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
	mu      sync.Mutex
	entries map[string]cachedFile // file name as positions show it → result
	next    map[string]cachedFile // what the Load in progress saw
	stats   CacheStats
	// paths interns the field paths of the PosMaps kept during one Load: most are the
	// same in every file ("containerDefinitions[0].image"), and their strings were an
	// eighth of the cache's memory.
	paths map[string]string
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
func NewFileCache() *FileCache { return &FileCache{entries: map[string]cachedFile{}} }

// Stats returns the counts of the latest Load.
func (c *FileCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *FileCache) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next = make(map[string]cachedFile, len(c.entries))
	c.stats = CacheStats{}
	c.paths = map[string]string{}
}

// end keeps only what this Load saw.
func (c *FileCache) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.next, c.paths = c.next, nil, nil
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
		kept.td.Fields = c.intern(kept.td.Fields)
	}
	if kept.svc != nil {
		kept.svc.Fields = c.intern(kept.svc.Fields)
	}
	c.next[name] = cachedFile{key: key, r: kept}
}

// intern returns m with its keys replaced by the interned strings (c.mu held).
func (c *FileCache) intern(m PosMap) PosMap {
	out := make(PosMap, len(m))
	for k, v := range m {
		if p, ok := c.paths[k]; ok {
			k = p
		} else {
			c.paths[k] = k
		}
		out[k] = v
	}
	return out
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
