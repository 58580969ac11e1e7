package nomadbackend

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Image digests (ECS versionConsistency, docs/secrets.md "Digest pinning"): the planner
// resolves a tag to its digest once per plan, from the registry, and the job runs
// image@digest, so every task of a deployment runs the same image whatever happens to
// the tag during the rollout.

// RegistryCredentials names the Nomad variable holding a registry's username and
// password (repositoryCredentials), or nothing for an anonymous pull.
type RegistryCredentials struct {
	Namespace, Path string
}

// resolveTimeout bounds one registry round trip: a plan must not hang on a registry.
const resolveTimeout = 15 * time.Second

// ResolveImage returns the digest ("sha256:…") that image's tag points to now. creds,
// when set, are read from Nomad Variables (never returned or logged).
func (c *Client) ResolveImage(ctx context.Context, image string, creds *RegistryCredentials) (string, error) {
	ref, err := name.ParseReference(image, name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", image, err)
	}
	auth := authn.Anonymous
	if creds != nil {
		v, _, err := c.api.Variables().Peek(creds.Path, queryOpts(ctx, creds.Namespace))
		if err != nil {
			return "", fmt.Errorf("image %q: read credentials %s: %w", image, creds.Path, err)
		}
		if v == nil {
			return "", fmt.Errorf("image %q: credentials variable %s does not exist (namespace %s)", image, creds.Path, creds.Namespace)
		}
		auth = authn.FromConfig(authn.AuthConfig{Username: v.Items["username"], Password: v.Items["password"]})
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	desc, err := remote.Head(ref, remote.WithContext(ctx), remote.WithAuth(auth))
	if err != nil {
		return "", fmt.Errorf("image %q: resolve the tag in registry %s: %w", image, ref.Context().RegistryStr(), err)
	}
	return desc.Digest.String(), nil
}
