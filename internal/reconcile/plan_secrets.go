package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// SecretMissingError: a secret a service's tasks read at start is not in Nomad
// Variables (ECS-SEC-002). Nomad would register the job and its tasks would wait on
// their template forever; the plan refuses instead, naming each reference's file:line,
// the variable path and key, never a value. It clears when the user creates the
// variable (`ecsgit secrets put`), so the daemon waits and retries.
type SecretMissingError struct {
	Service string
	Missing []MissingSecret
}

// MissingSecret is one reference without its variable or key.
type MissingSecret struct {
	Need       nomadjob.SecretNeed
	NoVariable bool // the path does not exist (else: the key is missing)
	Keys       []string
}

func (e *SecretMissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan service %s: %d secret(s) missing in Nomad Variables; nothing was registered:", e.Service, len(e.Missing))
	for _, m := range e.Missing {
		n := m.Need
		if m.NoVariable {
			fmt.Fprintf(&b, "\n  %s: %s: Nomad variable %q does not exist in namespace %q; create it: ecsgit secrets put %s %s <value-file [%s]",
				n.Pos, n.Field, n.Path, n.Namespace, n.Path, n.Key, spec.RuleSecretMissing)
			continue
		}
		fmt.Fprintf(&b, "\n  %s: %s: Nomad variable %q (namespace %q) has no key %q (it has: %s); add it: ecsgit secrets put %s %s <value-file [%s]",
			n.Pos, n.Field, n.Path, n.Namespace, n.Key, strings.Join(m.Keys, ", "), n.Path, n.Key, spec.RuleSecretMissing)
	}
	return b.String()
}

// checkSecrets reads the keys of every variable tr's tasks read and reports the
// references that would block a task. One read per distinct path.
func checkSecrets(ctx context.Context, b Cluster, service string, needs []nomadjob.SecretNeed) error {
	type got struct {
		keys  []string
		found bool
	}
	read := map[string]got{}
	var missing []MissingSecret
	for _, n := range needs {
		g, ok := read[n.Namespace+"\x00"+n.Path]
		if !ok {
			keys, found, err := b.SecretKeys(ctx, n.Namespace, n.Path)
			if err != nil {
				return fmt.Errorf("plan service %s: check secret %s (%s): %w", service, n.Field, n.Pos, err)
			}
			g = got{keys, found}
			read[n.Namespace+"\x00"+n.Path] = g
		}
		switch {
		case !g.found:
			missing = append(missing, MissingSecret{Need: n, NoVariable: true})
		case !slices.Contains(g.keys, n.Key):
			missing = append(missing, MissingSecret{Need: n, Keys: g.keys})
		}
	}
	if len(missing) > 0 {
		return &SecretMissingError{Service: service, Missing: missing}
	}
	return nil
}
