package synctest

import (
	"encoding/json"
	"fmt"
)

// Service is one ECS service of a test repository: family = name, one container "app"
// running the demo image. Count 0 keeps rollouts instant.
type Service struct {
	Name  string
	Image string
	Count int
	Env   string // value of the VERSION environment variable (changes the spec)
}

// Files renders ecsgit.yaml and the services as repository files.
func Files(namespace string, svcs ...Service) map[string]string {
	files := map[string]string{"ecsgit.yaml": fmt.Sprintf("version: 1\nnamespace: %s\n", namespace)}
	for _, s := range svcs {
		if s.Image == "" {
			s.Image = "ecsgit-demo/app:1"
		}
		c := map[string]any{"name": "app", "image": s.Image, "memory": 32, "essential": true}
		if s.Env != "" {
			c["environment"] = []any{map[string]any{"name": "VERSION", "value": s.Env}}
		}
		files[s.Name+"-taskdef.json"] = mustJSON(map[string]any{"family": s.Name, "containerDefinitions": []any{c}})
		files[s.Name+"-service.json"] = mustJSON(map[string]any{"serviceName": s.Name, "taskDefinition": s.Name, "desiredCount": s.Count})
	}
	return files
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}
