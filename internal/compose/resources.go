package compose

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// defaultMemoryReservationMiB is what a container reserves when compose sets no memory
// at all: ECS (on EC2) needs container or task memory to place a task, compose needs
// none. It is a soft reservation, not a limit, so the container is never killed for it.
const defaultMemoryReservationMiB = 256

// resources maps deploy.resources and the legacy cpus/cpu_shares/mem_limit/
// mem_reservation keys (compose-go has already checked that both forms agree).
func (s *svcConv) resources() {
	var lim, res types.Resource
	if s.svc.Deploy != nil {
		if s.svc.Deploy.Resources.Limits != nil {
			lim = *s.svc.Deploy.Resources.Limits
		}
		if s.svc.Deploy.Resources.Reservations != nil {
			res = *s.svc.Deploy.Resources.Reservations
		}
	}
	limCPUKey, resCPUKey := "deploy.resources.limits.cpus", "deploy.resources.reservations.cpus"
	if lim.NanoCPUs == 0 && s.svc.CPUS != 0 {
		lim.NanoCPUs, limCPUKey = types.NanoCPUs(s.svc.CPUS), "cpus"
	}
	limMemKey, resMemKey := "deploy.resources.limits.memory", "deploy.resources.reservations.memory"
	if lim.MemoryBytes == 0 && s.svc.MemLimit != 0 {
		lim.MemoryBytes, limMemKey = s.svc.MemLimit, "mem_limit"
	}
	if res.MemoryBytes == 0 && s.svc.MemReservation != 0 {
		res.MemoryBytes, resMemKey = s.svc.MemReservation, "mem_reservation"
	}
	s.cpu(lim, res, limCPUKey, resCPUKey)
	s.memory(lim, res, limMemKey, resMemKey)
	if lim.Pids != 0 {
		s.unsupported("deploy.resources.limits.pids", "ECS has no pids limit")
	}
	s.devices(res.Devices)
	if len(lim.Devices) > 0 {
		s.unsupported("deploy.resources.limits.devices", "devices are requested under reservations; limits.devices is ignored")
	}
	if len(res.GenericResources) > 0 || len(lim.GenericResources) > 0 {
		s.unsupported("deploy.resources.reservations.generic_resources", "swarm generic resources have no ECS equivalent")
	}
}

func (s *svcConv) cpu(lim, res types.Resource, limKey, resKey string) {
	switch {
	case res.NanoCPUs > 0:
		s.c.Cpu = cpuUnits(float32(res.NanoCPUs))
		s.field("cpu", resKey)
		if lim.NanoCPUs > 0 {
			s.approx(limKey, "ECS has no per-container hard CPU cap: the container reserves %d CPU units (the reservation) and may use idle CPU beyond %v CPUs", s.c.Cpu, lim.NanoCPUs)
		}
	case lim.NanoCPUs > 0:
		s.c.Cpu = cpuUnits(float32(lim.NanoCPUs))
		s.field("cpu", limKey)
		s.approx(limKey, "%v CPUs become %d CPU units, which ECS reserves for placement and uses as a relative weight; it is not a hard cap, so the container may use idle CPU beyond it", lim.NanoCPUs, s.c.Cpu)
	case s.svc.CPUShares > 0:
		// cpu_shares is Docker's CpuShares, which is exactly what ECS container cpu sets.
		s.c.Cpu = int(s.svc.CPUShares)
		s.field("cpu", "cpu_shares")
	}
	if s.svc.CPUShares > 0 && (res.NanoCPUs > 0 || lim.NanoCPUs > 0) {
		s.unsupported("cpu_shares", "cpus are given too; ECS has one cpu value, taken from cpus")
	}
}

func (s *svcConv) memory(lim, res types.Resource, limKey, resKey string) {
	var hard, soft int
	if lim.MemoryBytes > 0 {
		n, whole := ceilMiB(int64(lim.MemoryBytes))
		if !whole {
			s.approx(limKey, "ECS counts whole MiB: %d bytes are rounded up to %d MiB", lim.MemoryBytes, n)
		}
		hard = n
	}
	if res.MemoryBytes > 0 {
		n, whole := ceilMiB(int64(res.MemoryBytes))
		if !whole {
			s.approx(resKey, "ECS counts whole MiB: %d bytes are rounded up to %d MiB", res.MemoryBytes, n)
		}
		soft = n
	}
	switch {
	case hard > 0 && soft > hard:
		s.errorf(RuleValue, resKey, "the memory reservation (%d MiB) is larger than the limit (%d MiB)", soft, hard)
	case hard > 0 && soft == hard:
		// ECS requires memory > memoryReservation; a reservation equal to the limit is
		// what ECS does with the limit alone.
		s.c.Memory = new(hard)
		s.field("memory", limKey)
	default:
		if hard > 0 {
			s.c.Memory = new(hard)
			s.field("memory", limKey)
		}
		if soft > 0 {
			s.c.MemoryReservation = new(soft)
			s.field("memoryReservation", resKey)
		}
	}
	if hard == 0 && soft == 0 {
		s.c.MemoryReservation = new(defaultMemoryReservationMiB)
		s.field("memoryReservation", "")
		s.taskNotes = append(s.taskNotes, s.mk(spec.FidelityApproximate, "deploy.resources.reservations.memory",
			fmt.Sprintf("not set: ECS needs memory to place a task, so ecsgit reserves %d MiB (a soft reservation, no limit). Set deploy.resources to choose", defaultMemoryReservationMiB)))
	}
}

// devices maps GPU reservations to ECS resourceRequirements; other devices have no
// ECS equivalent.
func (s *svcConv) devices(devs []types.DeviceRequest) {
	for i, d := range devs {
		k := fmt.Sprintf("deploy.resources.reservations.devices[%d]", i)
		if !slices.Contains(d.Capabilities, "gpu") {
			s.unsupported(k, "only GPU device reservations have an ECS equivalent")
			continue
		}
		n := int64(d.Count)
		if n <= 0 { // count: all (-1) or unset
			n = 1
			s.approx(k, "ECS reserves a number of GPUs; `all` or no count becomes 1")
		}
		if len(d.IDs) > 0 || d.Driver != "" || len(d.Options) > 0 {
			s.approx(k, "device_ids, driver and options are not expressible in ECS; only the GPU count is kept")
		}
		s.c.ResourceRequirements = append(s.c.ResourceRequirements, spec.ResourceRequirement{Type: "GPU", Value: strconv.FormatInt(n, 10)})
		s.field("resourceRequirements", k)
	}
}
