package nomadjob

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// Secrets (docs/secrets.md). ECS resolves secrets[].valueFrom, secretOptions and
// repositoryCredentials when a task starts, with the execution role, and hands the
// values to the container (environment), the log driver or the image pull. Here the
// values live in Nomad Variables (spec.Config.ResolveSecret maps a reference to a path
// and key) and reach the task through one `template` per container with env = true:
// Nomad renders it in the task's secrets directory before the task starts, with the
// task's workload identity. The job spec holds the variable paths and keys, never a
// value; the log option and the registry auth name the template's variables as ${VAR},
// which Nomad interpolates into the driver config when it starts the task.
//
// change_mode = "noop": as in ECS, a changed value does not touch running tasks; it
// reaches new tasks only, i.e. with a new deployment (docs/secrets.md, "Rotation").

// RuleSecrets is the fidelity rule of secret references.
const RuleSecrets = "FID-NOMAD-SECRETS"

// secretsTemplatePath is the template's destination in the task directory: the task's
// secrets dir (tmpfs where the client supports it, never in the alloc's shared dir).
const secretsTemplatePath = "secrets/ecsgit-secrets.env"

// Environment variables the template sets for the driver config only (log driver
// options, registry auth). They are in the container's environment too (noted).
const (
	envRegistryUsername = "ECSGIT_REGISTRY_USERNAME"
	envRegistryPassword = "ECSGIT_REGISTRY_PASSWORD"
	envLogSecretPrefix  = "ECSGIT_LOG_SECRET_"
)

// SecretNeed is one Nomad variable key a job reads at task start: what the plan checks
// exists (reconcile, ECS-SEC-002) and what `ecsgit secrets policy` grants.
type SecretNeed struct {
	// Field is the reference in ECS terms ("containerDefinitions[web].secrets[DB_PASSWORD]")
	// and Pos its place in the task-definition file.
	Field string
	Pos   spec.Pos
	// Namespace, Path and Key of the variable.
	Namespace, Path, Key string
	// Env is the environment variable the task gets the value in.
	Env string
}

// secretLine is one NAME=value line of a container's secrets template.
type secretLine struct {
	env string
	ref spec.SecretRef
}

// secrets adds container i's secrets template and returns the driver-config values it
// provides. A reference that maps to no variable is an error (spec reports it first as
// ECS-SEC-001; a Desired built by hand may still hold one).
func (t *translator) secrets(i int, task *api.Task) error {
	c := &t.td.ContainerDefinitions[i]
	var lines []secretLine
	for _, u := range spec.SecretUses(&t.td.TaskDefinition) {
		if u.Container != i {
			continue
		}
		ref, err := t.cfg.ResolveSecret(u.ValueFrom)
		if err != nil {
			return fmt.Errorf("%s: container %q: secret reference: %w", t.td.Positions().At(u.Field), c.Name, err)
		}
		field := t.secretField(i, u)
		if ref.VersionStage != "" || ref.VersionID != "" {
			t.notes.approx(field, RuleSecrets, "Secrets Manager version %s is not honoured: Nomad variable %s holds one value, the current one", versionOf(ref), ref.Path)
		}
		switch u.Kind {
		case spec.SecretEnv:
			lines = append(lines, secretLine{env: u.Name, ref: ref.SecretRef})
			t.need(field, ref.SecretRef, u.Name)
		case spec.SecretLogOption:
			env := envLogSecretPrefix + envSafe(u.Name)
			lines = append(lines, secretLine{env: env, ref: ref.SecretRef})
			t.need(field, ref.SecretRef, env)
			if !t.setLogOption(task, u.Name, "${"+env+"}") {
				continue // the driver does not reach Docker (noted by logging)
			}
			t.notes.approx(field, RuleSecrets, "the log option's value is read from Nomad variable %s (key %s) when the task starts; it is also in the container's environment as %s, which ECS keeps out of the container", ref.Path, ref.Key, env)
		case spec.SecretRegistryAuth:
			// The value of an ECS credentialsParameter is JSON {"username", "password"}:
			// the variable has those two keys.
			user := spec.SecretRef{Path: ref.Path, Key: "username"}
			pass := spec.SecretRef{Path: ref.Path, Key: "password"}
			lines = append(lines, secretLine{env: envRegistryUsername, ref: user}, secretLine{env: envRegistryPassword, ref: pass})
			t.need(field, user, envRegistryUsername)
			t.need(field, pass, envRegistryPassword)
			task.Config["auth"] = []map[string]string{{"username": "${" + envRegistryUsername + "}", "password": "${" + envRegistryPassword + "}"}}
			// Every task start pulls, as the ECS agent does by default: the credentials
			// are checked each time, and an image cached on the client by another task
			// does not bypass them.
			task.Config["force_pull"] = true
			t.notes.approx(field, RuleSecrets, "the registry credentials are read from Nomad variable %s (keys username, password) when the task starts; they are also in the container's environment (%s, %s), which ECS keeps out of the container", ref.Path, envRegistryUsername, envRegistryPassword)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	task.Templates = append(task.Templates, &api.Template{
		EmbeddedTmpl:  new(secretsTemplate(lines)),
		DestPath:      new(secretsTemplatePath),
		Envvars:       new(true),
		ChangeMode:    new("noop"),
		ErrMissingKey: new(true),
		Perms:         new("0400"),
	})
	return nil
}

// secretsTemplate renders one NAME=<json string> line per secret. toJSON quotes the
// value as a JSON string, which Nomad's env-file parser reads back exactly (newlines,
// quotes and all); the value itself is only ever in the rendered file.
func secretsTemplate(lines []secretLine) string {
	var b strings.Builder
	b.WriteString("# Rendered by Nomad from Nomad Variables (ecsgit secrets); never in the job spec.\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "%s={{ with nomadVar %s }}{{ index . %s | toJSON }}{{ end }}\n", l.env, strconv.Quote(l.ref.Path), strconv.Quote(l.ref.Key))
	}
	return b.String()
}

// setLogOption writes a log driver option into the task's docker logging config;
// false when the container's logs do not go to a Docker driver.
func (t *translator) setLogOption(task *api.Task, name, value string) bool {
	logging, ok := task.Config["logging"].(map[string]any)
	if !ok {
		return false
	}
	cfgs, _ := logging["config"].([]map[string]string)
	if len(cfgs) == 0 {
		cfgs = []map[string]string{{}}
	}
	cfgs[0][name] = value
	logging["config"] = cfgs
	return true
}

func (t *translator) need(f fieldRef, ref spec.SecretRef, env string) {
	n := SecretNeed{Field: f.display, Pos: f.position(), Namespace: t.cfg.Namespace, Path: ref.Path, Key: ref.Key, Env: env}
	for _, have := range t.secretNeeds {
		if have == n {
			return
		}
	}
	t.secretNeeds = append(t.secretNeeds, n)
}

func (t *translator) secretField(i int, u spec.SecretUse) fieldRef {
	switch u.Kind {
	case spec.SecretEnv:
		return t.containerField(i, "secrets["+u.Name+"]").withPos(u.Field)
	case spec.SecretLogOption:
		return t.containerField(i, "logConfiguration.secretOptions["+u.Name+"]").withPos(u.Field)
	default:
		return t.containerField(i, "repositoryCredentials").withPos(u.Field)
	}
}

func versionOf(r spec.SecretReference) string {
	var parts []string
	if r.VersionStage != "" {
		parts = append(parts, "stage "+strconv.Quote(r.VersionStage))
	}
	if r.VersionID != "" {
		parts = append(parts, "id "+strconv.Quote(r.VersionID))
	}
	return strings.Join(parts, ", ")
}

// envSafe makes a log option name ("splunk-token") an environment variable suffix.
func envSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, s)
}

// SecretEnvNames lists the distinct environment variables of needs, sorted.
func SecretEnvNames(needs []SecretNeed) []string {
	var out []string
	for _, n := range needs {
		if !slices.Contains(out, n.Env) {
			out = append(out, n.Env)
		}
	}
	sort.Strings(out)
	return out
}

// SecretPaths lists the distinct variable paths of needs, sorted (the policy's rules).
func SecretPaths(needs []SecretNeed) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range needs {
		if !seen[n.Path] {
			seen[n.Path] = true
			out = append(out, n.Path)
		}
	}
	sort.Strings(out)
	return out
}
