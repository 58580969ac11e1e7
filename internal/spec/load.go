package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Rule IDs of repository discovery.
const (
	RuleRepoRead         = "ECS-REPO-000" // a file could not be read
	RuleMissingFamily    = "ECS-REPO-001" // a service references a family that is not in the repository
	RuleDuplicateFamily  = "ECS-REPO-002" // a family defined in two files
	RuleDuplicateService = "ECS-REPO-003" // a serviceName defined in two files
	RuleComposeSkipped   = "ECS-REPO-004" // compose file found, no compose loader (note)
	RuleIgnoredJSON      = "ECS-REPO-005" // JSON that looks ECS-related but is neither (note)
	RuleConfigService    = "ECS-REPO-006" // ecsgit.yaml services.<name> names no service
	RulePinnedRevision   = "ECS-REPO-008" // a service pins taskDefinition family:N (refused)
	RuleNamelessService  = "ECS-REPO-009" // service-definition fields without serviceName (warning)
)

// ComposeLoader converts the compose projects of a repository. files are the compose files
// found (paths as Load opens them, i.e. joined with root); the loader groups them into
// projects. It lives behind a function because package compose imports spec.
type ComposeLoader func(root string, files []string, cfg Config) ([]*TaskDefinitionDoc, []*ServiceDoc, Diagnostics)

// LoadOptions configure Load and LoadFiles.
type LoadOptions struct {
	// Compose converts compose files; when nil they are listed in Files and skipped with
	// a note (ECS-REPO-004).
	Compose ComposeLoader
	// Config, when non-nil, is used instead of reading ecsgit.yaml.
	Config *Config
	// RelativeNames makes positions name the JSON files by their path inside the
	// repository instead of root joined with it (the daemon: its checkouts are cache
	// directories nobody opens, and a FileCache needs names that do not change with the
	// checkout).
	RelativeNames bool
	// Cache, when set, reuses the results of files unchanged since the previous Load
	// with this cache (FileCache).
	Cache *FileCache
	// Digests are content keys of files known without reading them, by slash path
	// inside root: the git blob hashes of a snapshot (source.SnapshotBlobs). With a
	// Cache, a file whose key is the cached one is not read at all. A wrong key makes the
	// cache serve a stale result, so only the code that wrote the files may give them.
	Digests map[string]string
}

// ComposeFileNames are the file names that make a directory a compose project.
var ComposeFileNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// Load reads the repository at root: ecsgit.yaml, every ECS task/service definition JSON
// file and the compose projects (through opts.Compose), then normalizes and validates the
// result. The error is only for an unreadable root; every problem with the content is a
// diagnostic in Desired.Diagnostics. Positions name files as root joined with the path
// inside the repository, so they can be opened from the working directory.
func Load(root string, opts LoadOptions) (*Desired, error) {
	if _, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("load repository: %w", err)
	}
	cfg, diags := readConfig(root, opts)
	files, err := discover(root, cfg)
	if err != nil {
		return nil, fmt.Errorf("load repository %s: %w", root, err)
	}
	d := load(root, files, cfg, opts)
	d.Diagnostics = append(d.Diagnostics, diags...)
	if _, err := os.Stat(filepath.Join(root, ConfigFileName)); err == nil && opts.Config == nil {
		d.Files = append(d.Files, ConfigFileName)
	}
	d.finish()
	return d, nil
}

// LoadFiles is Load for an explicit list of files (as given on a command line): each is
// classified by its name and content, exactly as during discovery. Cross-file rules (a
// service's family must be defined, no duplicates) apply among the given files.
// ecsgit.yaml is read when it is one of the paths.
func LoadFiles(paths []string, opts LoadOptions) (*Desired, error) {
	var files []string
	var diags Diagnostics
	cfg := DefaultConfig()
	if opts.Config != nil {
		cfg = *opts.Config
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load files: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("load files: %s is a directory", p)
		}
		if filepath.Base(p) == ConfigFileName && opts.Config == nil {
			var cd Diagnostics
			cfg, cd = readConfigFile(p)
			diags = append(diags, cd...)
		}
		files = append(files, filepath.ToSlash(p))
	}
	d := load("", files, cfg, opts)
	d.Diagnostics = append(d.Diagnostics, diags...)
	d.finish()
	return d, nil
}

// LoadConfig reads root's ecsgit.yaml alone (DefaultConfig when there is none), for a
// caller that needs the configuration before the whole repository (the daemon's
// ownership identity, resolved once at start).
func LoadConfig(root string) (Config, Diagnostics) { return readConfig(root, LoadOptions{}) }

func readConfig(root string, opts LoadOptions) (Config, Diagnostics) {
	if opts.Config != nil {
		return *opts.Config, nil
	}
	p := filepath.Join(root, ConfigFileName)
	if _, err := os.Stat(p); err != nil {
		return DefaultConfig(), nil
	}
	return readConfigFile(p)
}

func readConfigFile(p string) (Config, Diagnostics) {
	src, err := os.ReadFile(p)
	if err != nil {
		return DefaultConfig(), Diagnostics{{Pos: Pos{File: p}, Severity: SeverityError, Rule: RuleRepoRead, Message: err.Error()}}
	}
	return ParseConfig(p, src)
}

// discover lists the candidate files under root (slash-separated, relative to root):
// *.json and compose files, minus hidden directories and what the config's
// include/exclude globs leave out.
func discover(root string, cfg Config) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if rel != "." && (strings.HasPrefix(e.Name(), ".") || excludedDir(rel, cfg)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() || !isCandidate(e.Name()) || !selected(rel, cfg) {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	return files, err
}

func isCandidate(name string) bool {
	return strings.HasSuffix(name, ".json") || slices.Contains(ComposeFileNames, name)
}

func selected(rel string, cfg Config) bool {
	if len(cfg.Include) > 0 && !slices.ContainsFunc(cfg.Include, func(g string) bool { return matchGlob(g, rel) }) {
		return false
	}
	return !slices.ContainsFunc(cfg.Exclude, func(g string) bool { return matchGlob(g, rel) })
}

func excludedDir(rel string, cfg Config) bool {
	return slices.ContainsFunc(cfg.Exclude, func(g string) bool { return matchDirGlob(g, rel) })
}

// fileResult is what one file contributed.
type fileResult struct {
	rel  string
	kind DocKind
	td   *TaskDefinitionDoc
	svc  *ServiceDoc
	// ELB definitions (one of them, by kind).
	lb       *LoadBalancerDoc
	listener *ListenerDoc
	rule     *RuleDoc
	tg       *TargetGroupDoc
	diags    Diagnostics
	// checks are the diagnostics of the rules run on td or svc alone (checkDocument).
	checks Diagnostics
	scale  *ScalingDoc
	sched  *ScheduleDoc
	// family and serviceName of a file that is not valid JSON, as far as they come before
	// the syntax error (salvageNames); "" when unknown.
	family, serviceName string
}

// load decodes files concurrently (decoding is CPU-bound and files are independent) and
// assembles the results in file order, so the outcome never depends on scheduling.
func load(root string, files []string, cfg Config, opts LoadOptions) *Desired {
	var compose, jsonFiles []string
	for _, f := range files {
		if slices.Contains(ComposeFileNames, path.Base(f)) {
			compose = append(compose, f)
		} else {
			jsonFiles = append(jsonFiles, f)
		}
	}
	a := newAssembler(root, cfg, opts.RelativeNames)
	results := make([]fileResult, len(jsonFiles))
	if opts.Cache != nil {
		opts.Cache.begin()
		defer opts.Cache.end()
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(1, len(jsonFiles))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rel := jsonFiles[i]
				results[i] = loadFile(filepath.Join(root, filepath.FromSlash(rel)), a.name(rel), rel, opts)
			}
		}()
	}
	for i := range jsonFiles {
		next <- i
	}
	close(next)
	wg.Wait()

	for _, r := range results {
		a.add(r)
	}
	a.addCompose(compose, opts.Compose)
	return a.finish()
}

// loadFile reads the file at path (rel inside the repository, name in positions) and
// decodes it, or takes its result from opts.Cache when its content is the one cached.
func loadFile(path, name, rel string, opts LoadOptions) fileResult {
	cache := opts.Cache
	key := ""
	if blob, ok := opts.Digests[rel]; ok {
		key = "git:" + blob
		if cache != nil {
			if r, ok := cache.get(name, key); ok {
				return r.withContentKey(name, key)
			}
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return fileResult{rel: rel, kind: DocTaskDefinition, // counted as a contributing file
			diags: Diagnostics{{Pos: Pos{File: name}, Severity: SeverityError, Rule: RuleRepoRead, Message: err.Error()}}}
	}
	if cache == nil {
		return decodeFile(name, rel, src).withContentKey(name, key)
	}
	if key == "" {
		key = fmt.Sprintf("sha256:%x", sha256.Sum256(src))
		if r, ok := cache.get(name, key); ok {
			return r.withContentKey(name, key)
		}
	}
	r := decodeFile(name, rel, src)
	cache.put(name, key, r)
	return r.withContentKey(name, key)
}

// withContentKey sets the ContentKey of r's document (r's own copy: a cached result is
// handed out copied) from the file's name and content key; an empty key sets none.
func (r fileResult) withContentKey(name, key string) fileResult {
	if key == "" {
		return r
	}
	ck := name + "\x00" + key
	if r.td != nil {
		r.td.ContentKey = ck
	}
	if r.svc != nil {
		r.svc.ContentKey = ck
	}
	return r
}

// decodeFile decodes one JSON file's content and checks the task definition or service
// in it on its own. It depends only on name, rel and src.
func decodeFile(name, rel string, src []byte) fileResult {
	r := fileResult{rel: rel}
	tree, err := parseJSON(name, src)
	if err != nil {
		// Unparseable JSON is reported: it may well be a definition with a typo, or a
		// template whose {{ }} stand where JSON wants a value.
		r.kind = DocTaskDefinition
		r.diags = Diagnostics{syntaxDiagnostic(err)}
		r.family, r.serviceName = salvageNames(src)
		if h := findTemplatesInText(name, src); h != nil {
			r.diags = append(r.diags, templateDiagnostic(h))
		}
		return r
	}
	if classifySchedule(tree) {
		r.kind = DocSchedule
		r.sched, r.diags = decodeScheduleNode(tree)
		return r
	}
	kind := classify(tree)
	if kind != DocOther || looksECSish(tree) {
		if h := findTemplates(tree); h != nil {
			r.diags = append(r.diags, templateDiagnostic(h))
		}
	}
	switch r.kind = kind; r.kind {
	case DocTaskDefinition:
		var ds Diagnostics
		r.td, ds = decodeTaskDefinitionNode(tree)
		r.diags = append(r.diags, ds...)
		if r.td != nil {
			r.checks = checkTaskDefinition(r.td, !r.diags.HasErrors(false))
		}
	case DocService:
		var ds Diagnostics
		r.svc, ds = decodeServiceNode(tree)
		r.diags = append(r.diags, ds...)
		if r.svc != nil {
			r.checks = checkService(r.svc, !r.diags.HasErrors(false))
		}
	case DocELBLoadBalancer, DocELBListener, DocELBRule, DocELBTargetGroup:
		decodeELB(tree, kind, &r)
	case DocScaling:
		var ds Diagnostics
		r.scale, ds = decodeScalingNode(tree)
		r.diags = append(r.diags, ds...)
	default:
		r.diags = append(r.diags, ignoredJSON(tree)...)
	}
	return r
}

// serviceOnlyKeys are CreateService members that a task definition does not have.
var serviceOnlyKeys = []string{
	"desiredCount", "launchType", "schedulingStrategy", "deploymentConfiguration", "deploymentController",
	"loadBalancers", "networkConfiguration", "serviceRegistries", "placementStrategy", "capacityProviderStrategy",
	"healthCheckGracePeriodSeconds", "platformVersion", "enableExecuteCommand", "serviceConnectConfiguration",
	"propagateTags", "enableECSManagedTags",
}

// ignoredJSON says why an ECS-looking JSON file is not read. A service definition
// without serviceName is what ecspresso keeps (the name lives in its ecspresso.yml): it
// is a warning, because its author means it to be deployed.
func ignoredJSON(tree *node) Diagnostics {
	if tree == nil || tree.kind != kindObject {
		return nil
	}
	var keys []string
	for _, k := range serviceOnlyKeys {
		if tree.get(k) != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		return Diagnostics{{Pos: tree.pos, Severity: SeverityWarning, Rule: RuleNamelessService, Message: sprintf(
			"JSON file not deployed: it has service-definition fields (%s) but no \"serviceName\" (ecspresso keeps the name in ecspresso.yml); ecsgit reads a service only with \"serviceName\" and \"taskDefinition\" (the family) in the file: add them, or exclude the file in ecsgit.yaml",
			strings.Join(keys, ", "))}}
	}
	if looksECSish(tree) {
		return Diagnostics{{Pos: tree.pos, Severity: SeverityNote, Rule: RuleIgnoredJSON,
			Message: "JSON file ignored: it has neither \"containerDefinitions\" (task definition) nor \"serviceName\" (service)"}}
	}
	return nil
}

// looksECSish is true for JSON objects with a key that only ECS definitions have.
func looksECSish(n *node) bool {
	for _, k := range []string{"family", "taskDefinition", "desiredCount", "launchType", "networkMode", "requiresCompatibilities", "taskRoleArn"} {
		if n.get(k) != nil {
			return true
		}
	}
	return false
}

// salvageNames reads the top-level "family" and "serviceName" strings of a file that is
// not valid JSON, from the tokens before its syntax error. They tell which references the
// file may have been meant to satisfy, so a missing family is blamed on it only when it
// could be that file's.
func salvageNames(src []byte) (family, serviceName string) {
	dec := json.NewDecoder(bytes.NewReader(src))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", ""
	}
	for {
		key, err := dec.Token()
		k, isKey := key.(string)
		if err != nil || !isKey {
			return family, serviceName // the syntax error, or the end of the object
		}
		val, err := dec.Token()
		if err != nil {
			return family, serviceName
		}
		switch v := val.(type) {
		case string:
			switch k {
			case "family":
				family = v
			case "serviceName":
				serviceName = v
			}
		case json.Delim: // an object or array value: skip to its end
			for depth := 1; depth > 0; {
				t, err := dec.Token()
				if err != nil {
					return family, serviceName
				}
				switch t {
				case json.Delim('{'), json.Delim('['):
					depth++
				case json.Delim('}'), json.Delim(']'):
					depth--
				}
			}
		}
	}
}
