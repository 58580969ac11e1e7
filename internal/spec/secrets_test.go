package spec

import (
	"strings"
	"testing"
)

func TestResolveSecret(t *testing.T) {
	custom := DefaultConfig()
	custom.Secrets = &SecretsSettings{PathPrefix: "/prod/", Map: map[string]SecretRef{
		"/legacy/db.password": {Path: "secrets/legacy/db", Key: "password"},
		"bad":                 {Path: "a b"},
	}}
	tests := []struct {
		name      string
		cfg       Config
		valueFrom string
		want      SecretReference
		wantErr   string
	}{
		{"ssm name", DefaultConfig(), "/prod/db/password", SecretReference{SecretRef: SecretRef{"secrets/prod/db/password", "value"}}, ""},
		{"ssm name without slash", DefaultConfig(), "db_password", SecretReference{SecretRef: SecretRef{"secrets/db_password", "value"}}, ""},
		{"ssm arn", DefaultConfig(), "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password", SecretReference{SecretRef: SecretRef{"secrets/prod/db/password", "value"}}, ""},
		{"secrets manager full arn", DefaultConfig(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", SecretReference{SecretRef: SecretRef{"secrets/prod/db", "value"}}, ""},
		{"secrets manager json key", DefaultConfig(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::", SecretReference{SecretRef: SecretRef{"secrets/prod/db", "password"}}, ""},
		{"secrets manager version stage", DefaultConfig(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password:AWSPREVIOUS:", SecretReference{SecretRef: SecretRef{"secrets/prod/db", "password"}, VersionStage: "AWSPREVIOUS"}, ""},
		{"secrets manager partial arn", DefaultConfig(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api", SecretReference{SecretRef: SecretRef{"secrets/prod/api", "value"}}, ""},
		{"prefix from config", custom, "/db/password", SecretReference{SecretRef: SecretRef{"prod/db/password", "value"}}, ""},
		{"explicit map", custom, "/legacy/db.password", SecretReference{SecretRef: SecretRef{"secrets/legacy/db", "password"}}, ""},
		{"explicit map invalid", custom, "bad", SecretReference{SecretRef: SecretRef{"a b", "value"}}, "fix its entry under secrets.map"},
		{"dot in ssm name", DefaultConfig(), "/legacy/db.password", SecretReference{SecretRef: SecretRef{"secrets/legacy/db.password", "value"}}, "add an entry for it under secrets.map"},
		{"other arn", DefaultConfig(), "arn:aws:s3:::bucket/key", SecretReference{}, "neither an SSM parameter nor a Secrets Manager secret ARN"},
		{"empty", DefaultConfig(), "", SecretReference{}, "empty reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.ResolveSecret(tt.valueFrom)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ResolveSecret(%q): %v", tt.valueFrom, err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ResolveSecret(%q) error = %v, want it to contain %q", tt.valueFrom, err, tt.wantErr)
			}
			if tt.wantErr == "" && got != tt.want {
				t.Errorf("ResolveSecret(%q) = %+v, want %+v", tt.valueFrom, got, tt.want)
			}
		})
	}
}
