package compose

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/ecsgit/ecsgit/internal/spec"
)

var reVolumeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// ecsVolumeName makes a task volume name from a compose name (ECS allows letters,
// digits, '_' and '-', up to 255).
func ecsVolumeName(s string) string {
	n := reVolumeName.ReplaceAllString(s, "_")
	if len(n) > 255 {
		n = n[:255]
	}
	return n
}

// volumeMounts maps `volumes` (named, anonymous, bind, tmpfs) and `volumes_from`.
func (s *svcConv) volumeMounts() {
	for i, v := range s.svc.Volumes {
		k := fmt.Sprintf("volumes[%d]", i)
		switch v.Type {
		case types.VolumeTypeVolume:
			s.namedVolume(k, i, v)
		case types.VolumeTypeBind:
			s.bindVolume(k, v)
		case types.VolumeTypeTmpfs:
			s.tmpfsVolume(k, v)
		default:
			s.unsupported(k, "volume type %q has no ECS equivalent; nothing is mounted at %s", v.Type, v.Target)
		}
		if v.Consistency != "" {
			s.unsupported(k+".consistency", "ECS has no mount consistency option (it only matters on Docker Desktop)")
		}
	}
	for i, from := range s.svc.VolumesFrom {
		k := fmt.Sprintf("volumes_from[%d]", i)
		src, mode, _ := strings.Cut(strings.TrimPrefix(from, "service:"), ":")
		if strings.HasPrefix(from, "container:") || !s.grouped {
			s.unsupported(k, "volumes_from works only between containers of one task: group the services with `%s: {task: NAME}`", ExtensionKey)
			continue
		}
		vf := spec.VolumeFrom{SourceContainer: src}
		if mode == "ro" {
			vf.ReadOnly = new(true)
		}
		s.c.VolumesFrom = append(s.c.VolumesFrom, vf)
		s.field("volumesFrom", k)
	}
}

func (s *svcConv) mount(k, volume string, v types.ServiceVolumeConfig) {
	mp := spec.MountPoint{SourceVolume: volume, ContainerPath: v.Target}
	if v.ReadOnly {
		mp.ReadOnly = new(true)
	}
	s.field(fmt.Sprintf("mountPoints[%d]", len(s.c.MountPoints)), k)
	s.c.MountPoints = append(s.c.MountPoints, mp)
}

func (s *svcConv) namedVolume(k string, i int, v types.ServiceVolumeConfig) {
	if v.Volume != nil && (v.Volume.NoCopy || v.Volume.Subpath != "" || len(v.Volume.Labels) > 0) {
		s.unsupported(k+".volume", "nocopy, subpath and per-mount labels have no ECS equivalent")
	}
	if v.Source == "" {
		// An anonymous volume lives and dies with the container: ECS's task scope.
		name := ecsVolumeName(fmt.Sprintf("%s-anon-%d", s.name, i))
		s.volumes = append(s.volumes, spec.Volume{Name: name, DockerVolumeConfiguration: &spec.DockerVolumeConfiguration{Scope: "task"}})
		s.mount(k, name, v)
		return
	}
	cfg, ok := s.project.Volumes[v.Source]
	dvc := &spec.DockerVolumeConfiguration{Scope: spec.VolumeScopeShared, Autoprovision: new(true)}
	dockerName := v.Source
	if ok {
		if cfg.Name != "" {
			// compose names the Docker volume <project>_<volume> (or `name:`); ECS names
			// a shared volume after the task volume, so the same name keeps the data.
			dockerName = cfg.Name
		}
		dvc.Driver = cfg.Driver
		if len(cfg.DriverOpts) > 0 {
			dvc.DriverOpts = map[string]string(cfg.DriverOpts)
		}
		if len(cfg.Labels) > 0 {
			dvc.Labels = map[string]string(cfg.Labels)
		}
		if cfg.External {
			dvc.Autoprovision = new(false)
		}
	}
	name := ecsVolumeName(dockerName)
	if name != dockerName {
		s.approx(k, "the Docker volume %q is named %q in ECS (ECS volume names allow letters, digits, '_' and '-')", dockerName, name)
	}
	s.volumes = append(s.volumes, spec.Volume{Name: name, DockerVolumeConfiguration: dvc})
	s.mount(k, name, v)
	s.approx(k, "the named volume %q is a Docker volume on one Nomad client: tasks on other hosts (other replicas, or this service after a reschedule) see different, empty data. Compose assumes one host", v.Source)
}

func (s *svcConv) bindVolume(k string, v types.ServiceVolumeConfig) {
	if v.Bind != nil && (v.Bind.Propagation != "" || v.Bind.SELinux != "" || !bool(v.Bind.CreateHostPath) || v.Bind.Recursive != "") {
		s.unsupported(k+".bind", "bind propagation, selinux, create_host_path and recursive have no ECS equivalent")
	}
	if wd := s.project.WorkingDir; wd != "" {
		if rel, err := filepath.Rel(wd, v.Source); err == nil && !strings.HasPrefix(rel, "..") {
			// A path inside the project is a file in the Git checkout; Nomad clients do
			// not have the checkout, so the mount would bind an empty or missing path.
			s.unsupported(k, "%q is a path in the repository, which Nomad clients do not have: nothing is mounted at %s. Put the file into the image, or render it with a Nomad template", "./"+filepath.ToSlash(rel), v.Target)
			return
		}
	}
	name := ecsVolumeName("host" + strings.ReplaceAll(v.Source, "/", "-"))
	s.volumes = append(s.volumes, spec.Volume{Name: name, Host: &spec.HostVolumeProperties{SourcePath: v.Source}})
	s.mount(k, name, v)
	s.approx(k, "the host path %s must exist on every Nomad client that may run the task, and the clients' Docker plugin must allow bind mounts (volumes.enabled)", v.Source)
}

func (s *svcConv) tmpfsVolume(k string, v types.ServiceVolumeConfig) {
	t := spec.Tmpfs{ContainerPath: v.Target}
	if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
		t.Size, _ = ceilMiB(int64(v.Tmpfs.Size))
	} else {
		t.Size = defaultTmpfsMiB
		s.approx(k, "ECS requires a tmpfs size; compose's default is unbounded: %d MiB is used. Set `tmpfs.size` to choose", defaultTmpfsMiB)
	}
	if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
		t.MountOptions = append(t.MountOptions, fmt.Sprintf("mode=%o", v.Tmpfs.Mode))
	}
	if s.c.LinuxParameters == nil {
		s.c.LinuxParameters = &spec.LinuxParameters{}
	}
	s.c.LinuxParameters.Tmpfs = append(s.c.LinuxParameters.Tmpfs, t)
}

// secretsAndConfigs: compose mounts secret and config files into the container. ECS
// secrets are environment variables from AWS ARNs, and ecsgit never copies secret values
// out of a repository, so nothing is mounted; the note says where the value must live.
func (s *svcConv) secretsAndConfigs() {
	job := s.jobHint()
	for i, sec := range s.svc.Secrets {
		target := sec.Target
		if target == "" {
			target = "/run/secrets/" + sec.Source
		}
		s.unsupported(fmt.Sprintf("secrets[%d]", i), "the secret %q is not mounted at %s: ecsgit does not copy secret values out of the repository. Store it in Nomad Variables (e.g. nomad/jobs/%s) and render it with a template, or point the service at a secret store", sec.Source, target, job)
	}
	for i, cfg := range s.svc.Configs {
		target := cfg.Target
		if target == "" {
			target = "/" + cfg.Source
		}
		s.unsupported(fmt.Sprintf("configs[%d]", i), "the config %q is not mounted at %s: put the file into the image, or store it in Nomad Variables (e.g. nomad/jobs/%s) and render it with a template", cfg.Source, target, job)
	}
}

// jobHint is the Nomad job this container ends up in (without the configured prefix),
// for notes that tell users where values must live.
func (s *svcConv) jobHint() string {
	group := s.name
	if s.x.Task != "" {
		group = s.x.Task
	}
	if s.x.ServiceName != "" {
		return s.x.ServiceName
	}
	return familyName(s.project.Name, group)
}
