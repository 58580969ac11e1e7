package reconcile

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadjob"
	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// pinImages resolves, for every container with versionConsistency enabled (ECS's
// default) whose image names its registry and is a tag, the tag to its digest and
// makes the job run image@digest: ECS resolves the digest once per deployment, so every
// task runs the same image even when the tag moves during the rollout. The plan shows
// each pin (ServicePlan.Images). The digest is not part of the spec hash: a tag that
// moves while the spec is unchanged is not a change (ECS keeps running the digest it
// resolved until the next deployment); the next change of the spec pins afresh.
//
// Docker Hub short names ("app:1", "org/app:1") are left to the clients (docs/secrets.md).
// A tag that cannot be resolved (a registry down, credentials refused) stays a tag,
// with an approximate note giving the registry's answer: the tasks then pull it
// themselves and fail with the same error, the deployment fails and the circuit breaker
// acts, as an ECS deployment whose image cannot be resolved does.
func (pl *planner) pinImages(ctx context.Context, ps *PlannedService, sp *plan.ServicePlan) error {
	td := ps.TaskDefinition
	if td == nil || ps.Translation == nil || ps.Translation.Job == nil || len(ps.Translation.Job.TaskGroups) == 0 {
		return nil
	}
	tasks := ps.Translation.Job.TaskGroups[0].Tasks
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.VersionConsistency == "disabled" || strings.Contains(c.Image, "@") || !spec.ImageHasRegistryHost(c.Image) {
			continue
		}
		var creds *nomadbackend.RegistryCredentials
		if rc := c.RepositoryCredentials; rc != nil {
			ref, err := pl.desired.Config.ResolveSecret(rc.CredentialsParameter)
			if err != nil {
				return &ContentError{Service: sp.Service, Err: err}
			}
			creds = &nomadbackend.RegistryCredentials{Namespace: pl.ns, Path: ref.Path}
		}
		digest, err := pl.b.ResolveImage(ctx, c.Image, creds)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sp.Fidelity = append(sp.Fidelity, spec.FidelityNote{
				Field: fmt.Sprintf("containerDefinitions[%s].image", c.Name), Level: spec.FidelityApproximate, Rule: nomadjob.RuleApproximate,
				Pos:    td.Positions().At(fmt.Sprintf("containerDefinitions[%d].image", i)),
				Detail: fmt.Sprintf("not pinned to a digest (versionConsistency): %v; each task resolves the tag when it starts", err),
			})
			continue
		}
		for _, task := range tasks {
			if task.Name == c.Name && task.Config != nil {
				task.Config["image"] = c.Image + "@" + digest
			}
		}
		sp.Images = append(sp.Images, plan.ImagePin{Container: c.Name, Image: c.Image, Digest: digest})
	}
	return nil
}
