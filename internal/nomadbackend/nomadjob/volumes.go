package nomadjob

import (
	"fmt"
	"strings"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// linuxParameters maps capabilities, init, shared memory, tmpfs and devices into the
// docker config. Capabilities and privileged need the client plugin to allow them
// (allow_caps, allow_privileged); otherwise Nomad rejects the task at start.
func (t *translator) linuxParameters(i int, task *api.Task) {
	lp := t.td.ContainerDefinitions[i].LinuxParameters
	if lp == nil {
		return
	}
	cfg := task.Config
	ref := t.containerField(i, "linuxParameters")
	if caps := lp.Capabilities; caps != nil {
		setList(cfg, "cap_add", lowerAll(caps.Add))
		setList(cfg, "cap_drop", lowerAll(caps.Drop))
		var beyond []string
		for _, c := range lowerAll(caps.Add) {
			if !defaultAllowCaps[strings.TrimPrefix(c, "cap_")] { // "all" is beyond too
				beyond = append(beyond, c)
			}
		}
		if len(beyond) > 0 {
			t.notes.approx(ref.child("capabilities.add"), RuleApproximate,
				"%s outside the docker plugin's default allow_caps: Nomad refuses to start the task unless the clients' plugin configuration allows them", strings.Join(beyond, ", "))
		}
	}
	setBool(cfg, "init", lp.InitProcessEnabled)
	if lp.SharedMemorySize != nil {
		cfg["shm_size"] = int64(*lp.SharedMemorySize) * 1024 * 1024 // MiB → bytes
	}
	for _, tf := range lp.Tmpfs {
		m := map[string]any{"type": "tmpfs", "target": tf.ContainerPath, "readonly": false,
			"tmpfs_options": []map[string]any{{"size": int64(tf.Size) * 1024 * 1024}}}
		appendMount(cfg, m)
		if len(tf.MountOptions) > 0 {
			t.notes.unsupported(ref.child("tmpfs"), "tmpfs mountOptions are not translated (Nomad's tmpfs mount takes size and mode only)")
		}
	}
	if len(lp.Devices) > 0 {
		devs := make([]map[string]string, 0, len(lp.Devices))
		for _, d := range lp.Devices {
			dev := map[string]string{"host_path": d.HostPath}
			if d.ContainerPath != "" {
				dev["container_path"] = d.ContainerPath
			}
			if len(d.Permissions) > 0 {
				dev["cgroup_permissions"] = devicePermissions(d.Permissions)
			}
			devs = append(devs, dev)
		}
		cfg["devices"] = devs
	}
	if lp.MaxSwap != nil {
		t.notes.unsupported(ref.child("maxSwap"), "Nomad's docker driver has no swap limit")
	}
	if lp.Swappiness != nil {
		t.notes.unsupported(ref.child("swappiness"), "Nomad's docker driver has no swappiness setting")
	}
}

// devicePermissions turns ECS's ["read","write","mknod"] into cgroup "rwm".
func devicePermissions(perms []string) string {
	var b strings.Builder
	for _, want := range []string{"read", "write", "mknod"} {
		for _, p := range perms {
			if p == want {
				b.WriteByte(want[0])
			}
		}
	}
	return b.String()
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.ToLower(s))
	}
	return out
}

func appendMount(cfg map[string]any, m map[string]any) {
	mounts, _ := cfg["mount"].([]map[string]any)
	cfg["mount"] = append(mounts, m)
}

// mountPoints maps a container's mount points onto docker mounts:
// host.sourcePath → bind mount (the client plugin needs volumes.enabled);
// dockerVolumeConfiguration → named docker volume; a volume with neither is ECS's
// task-scoped scratch volume, which becomes a volume named after job and volume.
func (t *translator) mountPoints(i int, task *api.Task) {
	c := &t.td.ContainerDefinitions[i]
	for j, mp := range c.MountPoints {
		ref := t.containerField(i, fmt.Sprintf("mountPoints[%d]", j))
		v := t.volumeByName(mp.SourceVolume)
		if v == nil {
			t.notes.unsupported(ref.child("sourceVolume"), "volume %q is not defined in the task definition; the mount is dropped", mp.SourceVolume)
			continue
		}
		m, ok := t.mount(v, mp)
		if !ok {
			t.notes.unsupported(ref, "volume %q (EFS, FSx, S3 Files, configured at launch) has no Nomad equivalent without a CSI plugin; the mount is dropped", mp.SourceVolume)
			continue
		}
		appendMount(task.Config, m)
	}
	if len(c.VolumesFrom) > 0 {
		t.notes.unsupported(t.containerField(i, "volumesFrom"), "Nomad tasks cannot mount another task's volumes; use a shared volume")
	}
}

func (t *translator) volumeByName(name string) *spec.Volume {
	for k := range t.td.Volumes {
		if t.td.Volumes[k].Name == name {
			return &t.td.Volumes[k]
		}
	}
	return nil
}

func (t *translator) mount(v *spec.Volume, mp spec.MountPoint) (map[string]any, bool) {
	readonly := mp.ReadOnly != nil && *mp.ReadOnly
	switch {
	case v.Host != nil && v.Host.SourcePath != "":
		return map[string]any{"type": "bind", "source": v.Host.SourcePath, "target": mp.ContainerPath, "readonly": readonly}, true
	case v.DockerVolumeConfiguration != nil:
		dv := v.DockerVolumeConfiguration
		m := map[string]any{"type": "volume", "source": v.Name, "target": mp.ContainerPath, "readonly": readonly}
		opts := map[string]any{}
		if dv.Driver != "" || len(dv.DriverOpts) > 0 {
			dc := map[string]any{}
			if dv.Driver != "" {
				dc["name"] = dv.Driver
			}
			if len(dv.DriverOpts) > 0 {
				dc["options"] = []map[string]string{copyMap(dv.DriverOpts)}
			}
			opts["driver_config"] = []map[string]any{dc}
		}
		if len(dv.Labels) > 0 {
			opts["labels"] = []map[string]string{copyMap(dv.Labels)}
		}
		if len(opts) > 0 {
			m["volume_options"] = []map[string]any{opts}
		}
		return m, true
	case v.Host != nil || isScratch(v):
		// ECS task-scoped scratch space: a Docker volume per task. A named volume is
		// shared by the allocations on one node; the alloc dir is the closer match but
		// is only reachable at fixed paths.
		return map[string]any{"type": "volume", "source": v.Name, "target": mp.ContainerPath, "readonly": readonly}, true
	}
	return nil, false
}

// volumes notes task-level volume configurations that change behaviour.
func (t *translator) volumes(_ *api.TaskGroup) {
	for k, v := range t.td.Volumes {
		ref := t.tdField(fmt.Sprintf("volumes[%d]", k))
		switch {
		case v.Host != nil && v.Host.SourcePath != "":
			t.notes.approx(ref.child("host"), RuleApproximate,
				"bind mount of a client directory: Nomad refuses it unless the docker plugin has volumes.enabled = true")
		case v.Host != nil || (v.DockerVolumeConfiguration == nil && isScratch(&v)):
			t.notes.approx(ref, RuleApproximate,
				"task-scoped scratch volume becomes a named Docker volume %q, shared by all allocations on a node and kept after the task stops", v.Name)
		case v.DockerVolumeConfiguration != nil:
			dv := v.DockerVolumeConfiguration
			if dv.Scope != spec.VolumeScopeShared {
				t.notes.approx(ref.child("dockerVolumeConfiguration"), RuleApproximate,
					"Docker volume %q is named, so it is shared by all allocations on a node and kept after the task stops (ECS scope \"task\" deletes it)", v.Name)
			} else if dv.Autoprovision == nil || !*dv.Autoprovision {
				// ECS's default is false (normalization turns an explicit false into nil).
				r := ref.child("dockerVolumeConfiguration")
				if dv.Autoprovision != nil {
					r = r.child("autoprovision")
				} else {
					r.display += ".autoprovision"
				}
				t.notes.approx(r, RuleApproximate,
					"Docker creates the shared volume %q when it is missing; ECS (autoprovision false, the default) fails the task instead", v.Name)
			}
		case v.EfsVolumeConfiguration != nil:
			t.notes.unsupported(ref.child("efsVolumeConfiguration"), "EFS volumes need a CSI plugin; not translated")
		case v.S3filesVolumeConfiguration != nil:
			t.notes.unsupported(ref.child("s3filesVolumeConfiguration"), "S3 Files volumes are not translated; the mount is dropped, the container has no such path")
		case v.FsxWindowsFileServerVolumeConfiguration != nil:
			t.notes.unsupported(ref.child("fsxWindowsFileServerVolumeConfiguration"), "FSx volumes are not translated")
		case v.ConfiguredAtLaunch != nil:
			t.notes.unsupported(ref.child("configuredAtLaunch"), "volumes configured at launch are not translated")
		}
	}
}

// isScratch is true for a volume with no configuration of a remote or managed file
// system: ECS's task-scoped scratch space. A new kind of volume configuration must be
// listed here, or it would be mounted as an empty scratch volume (the audit's W1 was
// S3 Files).
func isScratch(v *spec.Volume) bool {
	return v.EfsVolumeConfiguration == nil && v.FsxWindowsFileServerVolumeConfiguration == nil &&
		v.S3filesVolumeConfiguration == nil && v.ConfiguredAtLaunch == nil
}
