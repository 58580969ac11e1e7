package compose

import (
	"context"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// LoadAndConvert loads a project and converts it: the whole pipeline of `ecsgit convert
// compose`. A nil Result means the project could not be loaded.
func LoadAndConvert(ctx context.Context, opts Options) (*Result, spec.Diagnostics) {
	p, diags := Load(ctx, opts)
	if p == nil {
		return nil, diags
	}
	res, cd := Convert(p)
	diags = append(diags, cd...)
	diags.Sort()
	return res, diags
}

// LoadForSpec is the spec.ComposeLoader hook: spec.Load calls it with the compose files
// it discovers in a repository (paths already joined with root, which positions keep so
// they open from the working directory). Files in one directory form one project, merged
// in the order compose uses (compose.yaml before compose.override.yaml, as given
// otherwise); each directory is its own project, named after the directory.
// ecsgit.yaml's compose settings give the profiles and extra env files.
func LoadForSpec(_ string, files []string, cfg spec.Config) ([]*spec.TaskDefinitionDoc, []*spec.ServiceDoc, spec.Diagnostics) {
	byDir := map[string][]string{}
	for _, f := range files {
		d := filepath.Dir(f)
		byDir[d] = append(byDir[d], f)
	}
	dirs := sortedKeys(byDir)
	var tds []*spec.TaskDefinitionDoc
	var svcs []*spec.ServiceDoc
	var diags spec.Diagnostics
	for _, dir := range dirs {
		fs := byDir[dir]
		sort.SliceStable(fs, func(i, j int) bool { return isOverride(fs[j]) && !isOverride(fs[i]) })
		opts := Options{Files: fs, WorkingDir: dir}
		if cfg.Compose != nil {
			opts.Profiles = cfg.Compose.Profiles
			for _, e := range cfg.Compose.EnvFiles {
				opts.EnvFiles = append(opts.EnvFiles, filepath.Join(dir, e))
			}
		}
		res, d := LoadAndConvert(context.Background(), opts)
		diags = append(diags, d...)
		if res != nil {
			tds = append(tds, res.TaskDefinitions...)
			svcs = append(svcs, res.Services...)
		}
	}
	diags.Sort()
	return tds, svcs, diags
}

func isOverride(f string) bool { return strings.Contains(filepath.Base(f), ".override.") }

// The hook's type is spec's; this fails to compile if the two drift apart.
var _ spec.ComposeLoader = LoadForSpec
