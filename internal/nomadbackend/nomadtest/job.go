package nomadtest

import (
	"time"

	"github.com/hashicorp/nomad/api"
)

// DemoJob builds a service job running the demo app image on the docker
// driver: one group "app" with count allocations, a dynamic port "http"
// mapped to the container's 8080, a Nomad-native HTTP check on /healthz, an
// update strategy fast enough for tests (health from checks, 2 s minimum
// healthy time, auto-revert off) and a spread over ${meta.zone}. Tests adjust
// the returned job as they need.
func DemoJob(id, image string, count int) *api.Job {
	job := api.NewServiceJob(id, id, "global", 50)
	job.Datacenters = []string{"dc1"}

	task := api.NewTask("app", "docker").
		SetConfig("image", image).
		SetConfig("ports", []string{"http"}).
		Require(&api.Resources{CPU: new(100), MemoryMB: new(32)})
	task.KillTimeout = new(5 * time.Second)
	task.Env = map[string]string{"ZONE": "${meta.zone}"} // shown by GET /

	tg := api.NewTaskGroup("app", count).AddTask(task)
	tg.Networks = []*api.NetworkResource{{
		DynamicPorts: []api.Port{{Label: "http", To: 8080}},
	}}
	tg.Services = []*api.Service{{
		Name:      id,
		PortLabel: "http",
		Provider:  "nomad",
		Checks: []api.ServiceCheck{{
			Name:     "healthz",
			Type:     "http",
			Path:     "/healthz",
			Interval: time.Second,
			Timeout:  time.Second,
		}},
	}}
	tg.Update = &api.UpdateStrategy{
		MaxParallel:      new(1),
		HealthCheck:      new("checks"),
		MinHealthyTime:   new(2 * time.Second),
		HealthyDeadline:  new(60 * time.Second),
		ProgressDeadline: new(90 * time.Second),
		AutoRevert:       new(false),
	}
	tg.AddSpread(api.NewSpread("${meta.zone}", 100, nil))
	job.AddTaskGroup(tg)
	return job
}
