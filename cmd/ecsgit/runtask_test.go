package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/iostreams"
)

// TestNewCmdRunTask: flags and --cli-input-json become one RunTask request; the flags win.
func TestNewCmdRunTask(t *testing.T) {
	dir := t.TempDir()
	writeTaskRepo(t, dir, "apps", 64, []string{"--mode=init"}, nil)
	input := filepath.Join(dir, "input.json")
	if err := os.WriteFile(input, []byte(`{"taskDefinition":"job","count":2,"startedBy":"file","group":"g1",
		"placementStrategy":[{"type":"spread","field":"attribute:ecs.availability-zone"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	var got *runTaskOptions
	cmd := newCmdRunTask(&factory{IOStreams: ios}, func(o *runTaskOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"job:2", dir, "--cli-input-json", "file://" + input, "--started-by", "flag", "--wait",
		"--overrides", `{"containerOverrides":[{"name":"app","command":["x"]}]}`,
		"--placement-constraints", `[{"type":"distinctInstance"}]`})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	req, err := got.request()
	if err != nil {
		t.Fatal(err)
	}
	if req.TaskDefinition.Family != "job" || req.Revision != 2 || req.Count != 2 || req.StartedBy != "flag" || req.Group != "g1" ||
		len(req.PlacementStrategy) != 1 || len(req.PlacementConstraints) != 1 || req.Overrides.ContainerOverrides[0].Command[0] != "x" ||
		req.Config.Namespace != "apps" || !got.Wait {
		t.Errorf("request: %+v", req)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nope", dir}, `no task definition of family "nope"`},
		{[]string{"job:x", dir}, "want a family, family:revision"},
		{[]string{"job", dir, "--overrides", `{"containerOverride":[]}`}, "unknown field"},
	} {
		cmd := newCmdRunTask(&factory{IOStreams: ios}, func(o *runTaskOptions) error { _, err := o.request(); return err })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
