package spec

import (
	"strings"
	"testing"
)

// TestFollowOnDiagnostics: when a file cannot be decoded, a reference it may have been
// meant to satisfy is reported after the file's own error and says so, so the first
// error (what `ecsgit plan` prints first and the daemon's status leads with) is the root
// cause. A reference that the broken file cannot satisfy stays an ordinary error.
func TestFollowOnDiagnostics(t *testing.T) {
	service := `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}`
	tests := []struct {
		name       string
		taskdef    string // svc/taskdef.json; svc/service.json runs family "web"
		config     string // ecsgit.yaml, when not empty
		noService  bool
		wantFirst  string // rule of the first error
		wantFollow []string
		wantPlain  []string // rules of errors that are not follow-ons
	}{
		{
			name:       "syntax error after the family",
			taskdef:    "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\"name\": \"app\", \"image\": \"app:1\",, \"memory\": 32}\n  ]\n}\n",
			wantFirst:  RuleSyntax,
			wantFollow: []string{RuleMissingFamily},
		},
		{
			name:       "syntax error before the family",
			taskdef:    "{\n  \"containerDefinitions\": [,\n  \"family\": \"web\"\n}\n",
			wantFirst:  RuleSyntax,
			wantFollow: []string{RuleMissingFamily},
		},
		{
			name:       "family of the wrong type",
			taskdef:    `{"family": 5, "containerDefinitions": [{"name": "app", "image": "app:1", "memory": 32, "essential": true}]}`,
			wantFirst:  RuleType,
			wantFollow: []string{RuleMissingFamily},
		},
		{
			name:      "the broken file defines another family",
			taskdef:   "{\n  \"family\": \"api\",\n  \"containerDefinitions\": [,\n}\n",
			wantFirst: RuleMissingFamily, // svc/service.json sorts first, and it is a real error
			wantPlain: []string{RuleMissingFamily, RuleSyntax},
		},
		{
			name:       "a broken service named in ecsgit.yaml",
			taskdef:    `{"family": "web", "containerDefinitions": [{"name": "app", "image": "app:1", "memory": 32, "essential": true}]}`,
			config:     "version: 1\nservices:\n  web:\n    after: [db]\n",
			noService:  true,
			wantFirst:  RuleSyntax,
			wantFollow: []string{RuleConfigService},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"svc/taskdef.json": tt.taskdef, "svc/service.json": service}
			if tt.noService {
				files["svc/service.json"] = "{\n  \"serviceName\": \"web\",\n  \"desiredCount\": 1,,\n}\n"
			}
			if tt.config != "" {
				files[ConfigFileName] = tt.config
			}
			diags := loadRepo(t, files)
			var first *Diagnostic
			var follow, plain []string
			for i, dg := range diags {
				t.Log(dg)
				if dg.Severity == SeverityError && first == nil {
					first = &diags[i]
				}
				switch {
				case dg.FollowOn:
					follow = append(follow, dg.Rule)
					if !strings.Contains(dg.Message, "may define it") {
						t.Errorf("follow-on %s does not say why: %s", dg.Rule, dg.Message)
					}
				case dg.Severity == SeverityError:
					plain = append(plain, dg.Rule)
				}
			}
			if first == nil || first.Rule != tt.wantFirst {
				t.Fatalf("first error %v, want rule %s", first, tt.wantFirst)
			}
			if strings.Join(follow, ",") != strings.Join(tt.wantFollow, ",") {
				t.Errorf("follow-ons %v, want %v", follow, tt.wantFollow)
			}
			if tt.wantPlain != nil && strings.Join(plain, ",") != strings.Join(tt.wantPlain, ",") {
				t.Errorf("errors that are not follow-ons: %v, want %v", plain, tt.wantPlain)
			}
		})
	}
}

func TestSalvageNames(t *testing.T) {
	tests := []struct {
		src, family, service string
	}{
		{`{"family": "web", "containerDefinitions": [{"name": "x"}],,}`, "web", ""},
		{`{"containerDefinitions": [{"family": "inner"}], "family": "web" "x"}`, "web", ""},
		{`{"serviceName": "api", "deploymentConfiguration": {"a": [1, {"b": 2}]}, oops}`, "", "api"},
		{`{"containerDefinitions": [,], "family": "web"}`, "", ""},
		{`[{"family": "web"}`, "", ""},
		{`not json`, "", ""},
	}
	for _, tt := range tests {
		f, s := salvageNames([]byte(tt.src))
		if f != tt.family || s != tt.service {
			t.Errorf("salvageNames(%s) = %q, %q; want %q, %q", tt.src, f, s, tt.family, tt.service)
		}
	}
}
