package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Rule IDs of secret references (secrets[].valueFrom, logConfiguration.secretOptions,
// repositoryCredentials.credentialsParameter).
const (
	RuleSecretRef     = "ECS-SEC-001" // a reference that maps to no valid Nomad variable path or key
	RuleSecretMissing = "ECS-SEC-002" // plan time: the variable or its key does not exist on the cluster
)

// DefaultSecretsPathPrefix is where secrets live in Nomad Variables when ecsgit.yaml
// names no `secrets.pathPrefix`. It is deliberately outside ecsgit's own records
// (`ecsgit/…`) and outside `nomad/jobs/…`: secrets are shared by services, as SSM
// parameters and Secrets Manager secrets are, and each job is granted exactly the paths
// it references (`ecsgit secrets policy`), as an execution role is.
const DefaultSecretsPathPrefix = "secrets"

// DefaultSecretKey is the variable key that holds the value of a reference without a
// JSON key (an SSM parameter, or a whole Secrets Manager secret).
const DefaultSecretKey = "value"

// SecretsSettings is ecsgit.yaml `secrets`: how valueFrom references map to Nomad
// Variables (docs/secrets.md).
type SecretsSettings struct {
	// PathPrefix is prepended to the name of the parameter or secret (default "secrets").
	PathPrefix string `json:"pathPrefix,omitempty"`
	// Map overrides the default rule for single references: the key is a valueFrom
	// (or credentialsParameter) exactly as written in the task definition.
	Map map[string]SecretRef `json:"map,omitempty"`
}

// SecretRef is where one secret value lives: a Nomad variable (path in the job's
// namespace) and one of its keys.
type SecretRef struct {
	Path string `json:"path"`
	Key  string `json:"key,omitempty"`
}

func (r SecretRef) String() string { return r.Path + "#" + r.Key }

// Nomad's own limits on variable paths (nomad/structs/variables.go): letters, digits,
// - _ ~ /, at most 128 characters.
var variablePath = regexp.MustCompile(`^[a-zA-Z0-9\-_~/]{1,128}$`)

// secretsManagerSuffix is the "-" + 6 random characters that Secrets Manager appends to
// a secret's name in its ARN. AWS documents that a secret name must not end that way, so
// a full ARN's suffix is always the random part.
var secretsManagerSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// SecretReference is a parsed valueFrom with what Nomad cannot honour of it.
type SecretReference struct {
	SecretRef
	// VersionStage / VersionID of a Secrets Manager reference (…:json-key:stage:id).
	// Nomad Variables keep one current value: a pinned version is not honoured.
	VersionStage, VersionID string
}

// ResolveSecret maps a valueFrom (an SSM parameter name or ARN, a Secrets Manager ARN
// with an optional :json-key:version-stage:version-id suffix) to a Nomad variable path
// and key, by c.Secrets.Map or the default rule:
//
//	/prod/db/password                                   → secrets/prod/db/password  key value
//	arn:aws:ssm:eu-west-1:123:parameter/prod/db/password → secrets/prod/db/password  key value
//	arn:aws:secretsmanager:eu-west-1:123:secret:prod/db-AbCdEf:password:: → secrets/prod/db key password
//
// The error says what is wrong and what to write instead.
func (c Config) ResolveSecret(valueFrom string) (SecretReference, error) {
	var s SecretsSettings
	if c.Secrets != nil {
		s = *c.Secrets
	}
	if ref, ok := s.Map[valueFrom]; ok {
		if ref.Key == "" {
			ref.Key = DefaultSecretKey
		}
		return SecretReference{SecretRef: ref}, checkSecretRef(valueFrom, ref, true)
	}
	prefix := strings.Trim(s.PathPrefix, "/")
	if s.PathPrefix == "" {
		prefix = DefaultSecretsPathPrefix
	}
	var out SecretReference
	var name string
	switch {
	case valueFrom == "":
		return out, fmt.Errorf("empty reference")
	case strings.HasPrefix(valueFrom, "arn:"):
		parts := strings.Split(valueFrom, ":")
		if len(parts) < 6 {
			return out, fmt.Errorf("%q is not an ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", valueFrom)
		}
		switch service := parts[2]; {
		case service == "ssm" && strings.HasPrefix(parts[5], "parameter/"):
			name = strings.TrimPrefix(strings.Join(parts[5:], ":"), "parameter")
		case service == "secretsmanager" && parts[5] == "secret" && len(parts) >= 7:
			name = parts[6]
			if strings.Count(valueFrom, ":") > 6 || secretsManagerSuffix.MatchString(name) {
				// A full ARN (the form ECS needs for a JSON key or a version).
				name = secretsManagerSuffix.ReplaceAllString(name, "")
			}
			at := func(i int) string {
				if i < len(parts) {
					return parts[i]
				}
				return ""
			}
			out.Key, out.VersionStage, out.VersionID = at(7), at(8), at(9)
		default:
			return out, fmt.Errorf("%q is neither an SSM parameter nor a Secrets Manager secret ARN", valueFrom)
		}
	default:
		name = valueFrom // an SSM parameter name in the task's Region
	}
	if out.Key == "" {
		out.Key = DefaultSecretKey
	}
	out.Path = prefix + "/" + strings.Trim(name, "/")
	return out, checkSecretRef(valueFrom, out.SecretRef, false)
}

func checkSecretRef(valueFrom string, ref SecretRef, explicit bool) error {
	if !variablePath.MatchString(ref.Path) || strings.Contains(ref.Path, "//") {
		how := "add an entry for it under secrets.map in ecsgit.yaml ({path: …, key: …})"
		if explicit {
			how = "fix its entry under secrets.map in ecsgit.yaml"
		}
		return fmt.Errorf("%q maps to the Nomad variable path %q, which Nomad does not allow (letters, digits, - _ ~ /, at most 128 characters): %s", valueFrom, ref.Path, how)
	}
	return nil
}

// SecretUse is one place of a task definition that references a secret.
type SecretUse struct {
	// Field is the ECS path with the container's index, as the PosMap keys it:
	// "containerDefinitions[0].secrets[1].valueFrom".
	Field string
	// Container is the container's index; Name the environment variable (secrets), the
	// log option (secretOptions) or "" (repositoryCredentials).
	Container int
	Name      string
	ValueFrom string
	Kind      SecretKind
}

// SecretKind says where a secret is used.
type SecretKind int

const (
	SecretEnv          SecretKind = iota // containerDefinitions[].secrets
	SecretLogOption                      // containerDefinitions[].logConfiguration.secretOptions
	SecretRegistryAuth                   // containerDefinitions[].repositoryCredentials
)

// SecretUses lists every secret reference of td in file order.
func SecretUses(td *TaskDefinition) []SecretUse {
	var out []SecretUse
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		for j, s := range c.Secrets {
			out = append(out, SecretUse{Field: fmt.Sprintf("containerDefinitions[%d].secrets[%d].valueFrom", i, j), Container: i, Name: s.Name, ValueFrom: s.ValueFrom, Kind: SecretEnv})
		}
		if lc := c.LogConfiguration; lc != nil {
			for j, s := range lc.SecretOptions {
				out = append(out, SecretUse{Field: fmt.Sprintf("containerDefinitions[%d].logConfiguration.secretOptions[%d].valueFrom", i, j), Container: i, Name: s.Name, ValueFrom: s.ValueFrom, Kind: SecretLogOption})
			}
		}
		if rc := c.RepositoryCredentials; rc != nil {
			out = append(out, SecretUse{Field: fmt.Sprintf("containerDefinitions[%d].repositoryCredentials.credentialsParameter", i), Container: i, ValueFrom: rc.CredentialsParameter, Kind: SecretRegistryAuth})
		}
	}
	return out
}

// checkSecretRefs reports every reference of td that maps to no valid variable.
func (a *assembler) checkSecretRefs(td *TaskDefinitionDoc) {
	for _, u := range SecretUses(&td.TaskDefinition) {
		if _, err := a.d.Config.ResolveSecret(u.ValueFrom); err != nil {
			a.errorf(td.Positions().At(u.Field), RuleSecretRef, "container %q: secret reference: %v", td.ContainerDefinitions[u.Container].Name, err)
		}
	}
}

// ImageHasRegistryHost reports whether image names its registry ("127.0.0.1:5000/app:1",
// "registry.example.com/app:1"), as opposed to a Docker Hub short name ("app:1",
// "org/app:1"). The planner pins the first kind to a digest (versionConsistency) and
// leaves the second to the clients (docs/secrets.md, "Digest pinning").
func ImageHasRegistryHost(image string) bool {
	first, _, ok := strings.Cut(image, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}
