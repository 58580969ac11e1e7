package nomadjob

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// TranslatorVersion changes whenever a translation rule changes what a job looks like,
// so that SpecHash changes too and failure memory (decision 8) does not keep an old,
// differently translated spec marked as failed.
const TranslatorVersion = 4 // 4: Service Connect, serviceRegistries, request-count and step scaling policies; 3: secrets from Nomad Variables

// specHashInput is what SpecHash covers. encoding/json gives a canonical form: struct
// fields in declaration order, map keys sorted, raw JSON compacted.
type specHashInput struct {
	Translator     int                  `json:"translator"`
	TaskDefinition *spec.TaskDefinition `json:"taskDefinition"`
	Service        *spec.Service        `json:"service"`
	Settings       hashSettings         `json:"settings"`
	// Traffic: the target groups the service registers into and the listeners and
	// rules that route to them (absent without loadBalancers, so such services keep
	// their hash).
	Traffic *trafficInput `json:"traffic,omitempty"`
	// Connect: the client aliases of the service's Service Connect namespace, which its
	// proxy listens on (absent without Service Connect, so other hashes are unchanged).
	Connect []ConnectAlias `json:"connect,omitempty"`
	// Scaling: the scalable target and policies (absent without a target, so the hash
	// of a service without auto scaling is unchanged).
	Scaling *scalingHashInput `json:"scaling,omitempty"`
	// Schedule is set for a schedule's job only (so the hash of a service is unchanged).
	Schedule *spec.Schedule `json:"schedule,omitempty"`
	// ProhibitOverlap is ecsgit.yaml's setting of the schedule.
	ProhibitOverlap bool `json:"prohibitOverlap,omitempty"`
}

type scalingHashInput struct {
	// Min and Max are the range in force (after the scheduled actions fired by then):
	// a scheduled action changes the job without a change in Git.
	Min       int                     `json:"min"`
	Max       int                     `json:"max"`
	Target    *spec.ScalableTarget    `json:"target"`
	Policies  []*spec.ScalingPolicy   `json:"policies,omitempty"`
	Scheduled []*spec.ScheduledAction `json:"scheduled,omitempty"`
}

// hashSettings are the configuration values that change the translated job.
type hashSettings struct {
	Namespace     string   `json:"namespace"`
	Region        string   `json:"region,omitempty"`
	Datacenters   []string `json:"datacenters"`
	NodePool      string   `json:"nodePool,omitempty"`
	JobPrefix     string   `json:"jobPrefix,omitempty"`
	ZoneAttribute string   `json:"zoneAttribute"`
	CPUMHzPerVCPU int      `json:"cpuMHzPerVCPU"`
	Source        string   `json:"source"`
	// HostLogDrivers decides which log drivers go to Docker.
	HostLogDrivers []string `json:"hostLogDrivers,omitempty"`
	// Secrets maps secret references to variable paths.
	Secrets *spec.SecretsSettings `json:"secrets,omitempty"`
}

// trafficInput is the part of the repository's ELB definitions one service's job
// depends on.
type trafficInput struct {
	TargetGroups []*spec.ELBTargetGroup `json:"targetGroups"`
	Listeners    []*spec.ELBListener    `json:"listeners"`
	Rules        []*spec.ELBRule        `json:"rules"`
}

func trafficOf(d *spec.Desired, svc *spec.ServiceDoc) *trafficInput {
	if len(svc.LoadBalancers) == 0 {
		return nil
	}
	in := &trafficInput{}
	for _, lb := range svc.LoadBalancers {
		g := d.TargetGroup(lb.TargetGroupArn)
		if g == nil {
			continue
		}
		in.TargetGroups = append(in.TargetGroups, &g.ELBTargetGroup)
		for _, r := range d.RoutesTo(g.Name) {
			in.Listeners = append(in.Listeners, &r.Listener.ELBListener)
			if r.Rule != nil {
				in.Rules = append(in.Rules, &r.Rule.ELBRule)
			}
		}
	}
	return in
}

// connectOf is what a Service Connect service's job depends on outside its own files.
func connectOf(d *spec.Desired, svc *spec.ServiceDoc) []ConnectAlias {
	c := svc.ServiceConnect()
	if c == nil {
		return nil
	}
	return ConnectAliases(d, spec.ConnectNamespace(c.Namespace))
}

func specHash(td *spec.TaskDefinitionDoc, svc *spec.ServiceDoc, traffic *trafficInput, connect []ConnectAlias, cfg spec.Config, opts TranslateOptions) (string, error) {
	in := specHashInput{
		Traffic:        traffic,
		Connect:        connect,
		Translator:     TranslatorVersion,
		TaskDefinition: &td.TaskDefinition,
		Service:        &svc.Service,
		Settings: hashSettings{
			Namespace: cfg.Namespace, Region: cfg.Region, Datacenters: cfg.Datacenters,
			NodePool: cfg.NodePool, JobPrefix: cfg.JobPrefix, ZoneAttribute: cfg.ZoneAttribute,
			CPUMHzPerVCPU: cfg.CPUMHzPerVCPU, Source: opts.Source, HostLogDrivers: cfg.HostLogDrivers,
			Secrets: cfg.Secrets,
		},
	}
	if s := svc.Scaling; s != nil {
		r := s.RangeAt(opts.Now)
		in.Scaling = &scalingHashInput{Target: s.Target, Min: r.Min, Max: r.Max}
		for _, p := range s.Policies {
			in.Scaling.Policies = append(in.Scaling.Policies, p.Policy)
		}
		for _, a := range s.Scheduled {
			in.Scaling.Scheduled = append(in.Scaling.Scheduled, a.Action)
		}
	}
	if s := svc.Schedule; s != nil {
		in.Schedule, in.ProhibitOverlap = &s.Schedule, s.ProhibitOverlap
	}
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("spec hash: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
