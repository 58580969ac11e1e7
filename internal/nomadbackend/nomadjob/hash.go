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
const TranslatorVersion = 2

// specHashInput is what SpecHash covers. encoding/json gives a canonical form: struct
// fields in declaration order, map keys sorted, raw JSON compacted.
type specHashInput struct {
	Translator     int                  `json:"translator"`
	TaskDefinition *spec.TaskDefinition `json:"taskDefinition"`
	Service        *spec.Service        `json:"service"`
	Settings       hashSettings         `json:"settings"`
	// Schedule is set for a schedule's job only (so the hash of a service is unchanged).
	Schedule *spec.Schedule `json:"schedule,omitempty"`
	// ProhibitOverlap is ecsgit.yaml's setting of the schedule.
	ProhibitOverlap bool `json:"prohibitOverlap,omitempty"`
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
}

func specHash(td *spec.TaskDefinitionDoc, svc *spec.ServiceDoc, cfg spec.Config, opts TranslateOptions) (string, error) {
	in := specHashInput{
		Translator:     TranslatorVersion,
		TaskDefinition: &td.TaskDefinition,
		Service:        &svc.Service,
		Settings: hashSettings{
			Namespace: cfg.Namespace, Region: cfg.Region, Datacenters: cfg.Datacenters,
			NodePool: cfg.NodePool, JobPrefix: cfg.JobPrefix, ZoneAttribute: cfg.ZoneAttribute,
			CPUMHzPerVCPU: cfg.CPUMHzPerVCPU, Source: opts.Source, HostLogDrivers: cfg.HostLogDrivers,
		},
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
