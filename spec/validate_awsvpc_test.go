package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAwsvpcRefusesHostSettings: ECS refuses hostname and extraHosts at registration in
// awsvpc mode (the task's ENI owns them), and accepts both in bridge mode.
func TestAwsvpcRefusesHostSettings(t *testing.T) {
	const td = `{
  "family": "web",
  "networkMode": "%s",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "example/app:1",
      "memory": 64,
      "hostname": "web",
      "extraHosts": [{ "hostname": "db", "ipAddress": "10.0.0.5" }]
    }
  ]
}
`
	for _, tc := range []struct {
		mode string
		want []string
	}{
		{"awsvpc", []string{
			`taskdef.json:9:19: error: container "app": hostname is not supported in networkMode awsvpc (ECS refuses it); remove it [ECS-CD-030]`,
			`taskdef.json:10:21: error: container "app": extraHosts is not supported in networkMode awsvpc (ECS refuses it); remove it [ECS-CD-030]`,
		}},
		{"bridge", nil},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "taskdef.json"), []byte(strings.Replace(td, "%s", tc.mode, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Load(dir, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, diag := range d.Diagnostics {
				if diag.Rule == RuleAwsvpcHostSettings {
					got = append(got, filepath.Base(diag.Pos.File)+strings.TrimPrefix(diag.String(), diag.Pos.File))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
