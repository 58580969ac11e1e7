package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// Options say which compose project to load and how.
type Options struct {
	// Files are the compose files, merged in order like `docker compose -f a -f b`.
	Files []string
	// WorkingDir is the project directory (relative paths, .env). Default: the directory
	// of the first file.
	WorkingDir string
	// ProjectName overrides the project name (default: the top-level `name:`, else the
	// project directory's name, as compose does).
	ProjectName string
	// Profiles to enable; services with other profiles are left out.
	Profiles []string
	// EnvFiles are used for interpolation instead of WorkingDir/.env.
	EnvFiles []string
	// Environment for interpolation. Nil means the process environment. The .env file
	// (or EnvFiles) is layered under it, as compose does.
	Environment map[string]string
	// DisplayRoot makes file names in positions relative to it (the repository root).
	// Empty: file names are shown as given in Files.
	DisplayRoot string
}

// Project is a loaded compose project with the position index used to point every
// diagnostic and fidelity note at a line.
type Project struct {
	*types.Project
	index *posIndex
}

// Rule IDs of the diagnostics this package reports. They are stable: documentation and
// users grep for them.
const (
	RuleLoad          = "COMPOSE-LOAD-001" // compose-go refused the project
	RuleLoadWarning   = "COMPOSE-LOAD-002" // a warning compose-go logged while loading
	RuleBuildOnly     = "COMPOSE-SVC-001"  // a service with build: and no image:
	RuleExtension     = "COMPOSE-X-001"    // an invalid x-ecsgit extension
	RuleGroupConflict = "COMPOSE-X-002"    // services grouped into one task disagree on a task/service setting
	RuleDependency    = "COMPOSE-DEP-001"  // a depends_on that ECS cannot express
	RuleValue         = "COMPOSE-VAL-001"  // a value ECS cannot take (e.g. memory limit ≤ reservation)
	RuleNoProject     = "COMPOSE-LOAD-003" // nothing to load (no files, no services)
)

// Load loads a compose project with compose-go: interpolation (${VAR:-default},
// ${VAR:?error}) from the environment and .env, env_file, extends, include, profiles,
// fragments and x- extensions, and the merge of several files. It never writes to the
// global logger: compose-go's warnings come back as diagnostics, each at a file and line.
// A nil Project means the load failed; the diagnostics say why and where.
func Load(ctx context.Context, opts Options) (*Project, spec.Diagnostics) {
	if len(opts.Files) == 0 {
		return nil, spec.Diagnostics{{Severity: spec.SeverityError, Rule: RuleNoProject, Message: "no compose file given"}}
	}
	abs := make([]string, len(opts.Files))
	for i, f := range opts.Files {
		a, err := filepath.Abs(f)
		if err != nil {
			return nil, spec.Diagnostics{{Pos: spec.Pos{File: f}, Severity: spec.SeverityError, Rule: RuleLoad, Message: fmt.Sprintf("resolve path: %v", err)}}
		}
		abs[i] = a
	}
	ix := newPosIndex(abs, opts.DisplayRoot)
	if opts.DisplayRoot == "" {
		// Show the files as the user named them.
		for _, fi := range ix.files {
			for i, a := range abs {
				if fi.abs == a {
					fi.display = opts.Files[i]
					retarget(fi)
				}
			}
		}
		ix.first = opts.Files[0]
	}

	var project *types.Project
	var loadErr error
	warnings := captureLogs(func() {
		project, loadErr = loadProject(ctx, abs, opts)
	})

	var diags spec.Diagnostics
	if ix.has("version") {
		// compose-go warns about `version` only once per process and file; report it
		// ourselves so every load (the daemon's included) says the same.
		diags = append(diags, spec.Diagnostic{Pos: ix.at("version"), Severity: spec.SeverityWarning, Rule: RuleLoadWarning,
			Message: "the top-level `version` attribute is obsolete and ignored by compose; remove it"})
	}
	for _, w := range warnings {
		if strings.Contains(w, "the attribute `version` is obsolete") {
			continue
		}
		pos, _ := ix.locate(w)
		diags = append(diags, spec.Diagnostic{Pos: pos, Severity: spec.SeverityWarning, Rule: RuleLoadWarning, Message: stripPaths(w, ix)})
	}
	if loadErr != nil {
		pos, key := ix.locate(loadErr.Error())
		msg := stripPaths(loadErr.Error(), ix)
		if key != "" && !strings.Contains(msg, key) {
			msg = key + ": " + msg
		}
		diags = append(diags, spec.Diagnostic{Pos: pos, Severity: spec.SeverityError, Rule: RuleLoad, Message: "compose: " + msg})
		diags.Sort()
		return nil, diags
	}
	diags.Sort()
	return &Project{Project: project, index: ix}, diags
}

// retarget rewrites the file name in an index after its display name changed.
func retarget(fi *fileIndex) {
	for p, pos := range fi.paths {
		pos.File = fi.display
		fi.paths[p] = pos
	}
	for i := range fi.scalars {
		fi.scalars[i].pos.File = fi.display
	}
}

// stripPaths replaces absolute file names in compose-go messages by their display names
// (a message must not depend on where the checkout lives) and flattens multi-line errors.
func stripPaths(msg string, ix *posIndex) string {
	files := append([]*fileIndex(nil), ix.files...)
	sort.Slice(files, func(i, j int) bool { return len(files[i].abs) > len(files[j].abs) })
	for _, f := range files {
		msg = strings.ReplaceAll(msg, f.abs, f.display)
	}
	return strings.Join(strings.Fields(msg), " ")
}

func loadProject(ctx context.Context, files []string, opts Options) (p *types.Project, err error) {
	// compose-go panics on some malformed input (e.g. a ulimit written `hard: 08`, a
	// float where it asserts an int; found by FuzzConvert). A daemon must survive a bad
	// commit, so the panic becomes a load error.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("compose-go failed on this input (a compose-go bug; check the values' types): %v", r)
		}
	}()
	wd := opts.WorkingDir
	if wd == "" {
		wd = filepath.Dir(files[0])
	}
	env := opts.Environment
	if env == nil {
		env = map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	envList := make([]string, 0, len(env))
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	sort.Strings(envList)
	po := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(wd),
		cli.WithEnv(envList),
		cli.WithEnvFiles(opts.EnvFiles...),
		cli.WithDotEnv,
		cli.WithProfiles(opts.Profiles),
		cli.WithResolvedPaths(true),
		// ecsgit reads the Git checkout only: no remote (git/oci) includes.
	}
	if opts.ProjectName != "" {
		po = append(po, cli.WithName(opts.ProjectName))
	}
	o, err := cli.NewProjectOptions(files, po...)
	if err != nil {
		return nil, err
	}
	return o.LoadProject(ctx)
}
