package nomadbackend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"
)

// Secrets live in Nomad Variables (docs/secrets.md). Every call here that has to read a
// variable to learn its keys drops the values at once: nothing of a value leaves this
// file except through PutSecret's write.

// SecretKeys returns the keys of the variable at path in ns (sorted); found is false
// when there is no such variable. The values are read (Nomad has no keys-only read) and
// dropped.
func (c *Client) SecretKeys(ctx context.Context, ns, path string) (keys []string, found bool, err error) {
	v, _, err := c.api.Variables().Peek(path, queryOpts(ctx, ns))
	if err != nil {
		return nil, false, fmt.Errorf("read variable %s (namespace %s): %w", path, ns, err)
	}
	if v == nil {
		return nil, false, nil
	}
	keys = make([]string, 0, len(v.Items))
	for k := range v.Items {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, true, nil
}

// PutSecret sets one key of the variable at path (creating it), keeping its other keys,
// with check-and-set so that a concurrent put of another key is not lost.
func (c *Client) PutSecret(ctx context.Context, ns, path, key, value string) error {
	for attempt := 0; ; attempt++ {
		v, _, err := c.api.Variables().Peek(path, queryOpts(ctx, ns))
		if err != nil {
			return fmt.Errorf("read variable %s (namespace %s): %w", path, ns, err)
		}
		if v == nil {
			v = &api.Variable{Namespace: ns, Path: path, Items: api.VariableItems{}}
		}
		v.Items[key] = value
		_, _, err = c.api.Variables().CheckedUpdate(v, writeOpts(ctx, ns))
		var cas api.ErrCASConflict
		if errors.As(err, &cas) && attempt < 5 {
			continue
		}
		if err != nil {
			return fmt.Errorf("write variable %s (namespace %s): %w", path, ns, err)
		}
		return nil
	}
}

// SecretInfo describes a variable without its values.
type SecretInfo struct {
	Path       string    `json:"path"`
	Keys       []string  `json:"keys"`
	ModifyTime time.Time `json:"modifyTime"`
}

// ListSecrets lists the variables under prefix in ns with their keys (never values).
func (c *Client) ListSecrets(ctx context.Context, ns, prefix string) ([]SecretInfo, error) {
	metas, _, err := c.api.Variables().PrefixList(prefix, queryOpts(ctx, ns))
	if err != nil {
		return nil, fmt.Errorf("list variables under %s (namespace %s): %w", prefix, ns, err)
	}
	out := make([]SecretInfo, 0, len(metas))
	for _, m := range metas {
		keys, found, err := c.SecretKeys(ctx, ns, m.Path)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // deleted since the list
		}
		out = append(out, SecretInfo{Path: m.Path, Keys: keys, ModifyTime: time.Unix(0, m.ModifyTime).UTC()})
	}
	slices.SortFunc(out, func(a, b SecretInfo) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// SecretsPolicyName is the ACL policy that lets jobID's tasks read their secrets.
func SecretsPolicyName(ns, jobID string) string { return "ecsgit-secrets-" + ns + "-" + jobID }

// SecretsPolicyRules is that policy: read on exactly the variable paths the job's
// task definition references, in its namespace. It is what an ECS execution role's
// secretsmanager:GetSecretValue / ssm:GetParameters statement is.
func SecretsPolicyRules(ns string, paths []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by ecsgit secrets policy: the variables this job's tasks read at start.\n")
	fmt.Fprintf(&b, "namespace %q {\n  variables {\n", ns)
	for _, p := range paths {
		fmt.Fprintf(&b, "    path %q {\n      capabilities = [\"read\"]\n    }\n", p)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// EnsureSecretsPolicy is ApplySecretsPolicy at apply time, when the token may:
// a cluster without ACLs needs no policy, and a token without acl:write leaves it to
// an operator's `ecsgit secrets policy --apply` (written says which happened).
func (c *Client) EnsureSecretsPolicy(ctx context.Context, ns, jobID string, paths []string) (written bool, err error) {
	_, err = c.ApplySecretsPolicy(ctx, ns, jobID, paths)
	switch {
	case err == nil:
		return true, nil
	case IsForbidden(err), statusCode(err) == 400 && strings.Contains(err.Error(), "ACL support disabled"):
		return false, nil
	}
	return false, err
}

// ApplySecretsPolicy creates or updates the policy of jobID and attaches it to the
// job's workload identity (every group and task of the job). It needs a management
// token (acl:write).
func (c *Client) ApplySecretsPolicy(ctx context.Context, ns, jobID string, paths []string) (name string, err error) {
	name = SecretsPolicyName(ns, jobID)
	p := &api.ACLPolicy{
		Name:        name,
		Description: fmt.Sprintf("ecsgit: job %s (namespace %s) reads its secrets", jobID, ns),
		Rules:       SecretsPolicyRules(ns, paths),
		JobACL:      &api.JobACL{Namespace: ns, JobID: jobID},
	}
	if _, err := c.api.ACLPolicies().Upsert(p, (&api.WriteOptions{}).WithContext(ctx)); err != nil {
		return name, fmt.Errorf("write ACL policy %s: %w", name, err)
	}
	return name, nil
}
