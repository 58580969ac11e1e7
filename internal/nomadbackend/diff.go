package nomadbackend

import "github.com/hashicorp/nomad/api"

// JobDiff is Nomad's structured diff of a job (a dry-run against the live job, or two
// kept versions), in the backend's types: the engine reads it without Nomad's api.
type JobDiff struct {
	Type       DiffType
	Fields     []FieldDiff
	Objects    []ObjectDiff
	TaskGroups []GroupDiff
}

// GroupDiff is the diff of one task group.
type GroupDiff struct {
	Type    DiffType
	Name    string
	Fields  []FieldDiff
	Objects []ObjectDiff
	Tasks   []TaskDiff
}

// TaskDiff is the diff of one task; Annotations are the scheduler's verdicts on it
// (AnnotationForcesDestroyCreate, ...).
type TaskDiff struct {
	Type        DiffType
	Name        string
	Fields      []FieldDiff
	Objects     []ObjectDiff
	Annotations []string
}

// ObjectDiff is the diff of a nested object (a map, a block).
type ObjectDiff struct {
	Type    DiffType
	Name    string
	Fields  []FieldDiff
	Objects []ObjectDiff
}

// FieldDiff is one changed (or unchanged: DiffNone) field.
type FieldDiff struct {
	Type     DiffType
	Name     string
	Old, New string
}

func jobDiffOf(d *api.JobDiff) *JobDiff {
	if d == nil {
		return nil
	}
	out := &JobDiff{Type: DiffType(d.Type), Fields: fieldDiffs(d.Fields), Objects: objectDiffs(d.Objects)}
	for _, tg := range d.TaskGroups {
		if tg == nil {
			continue
		}
		g := GroupDiff{Type: DiffType(tg.Type), Name: tg.Name, Fields: fieldDiffs(tg.Fields), Objects: objectDiffs(tg.Objects)}
		for _, t := range tg.Tasks {
			if t != nil {
				g.Tasks = append(g.Tasks, TaskDiff{Type: DiffType(t.Type), Name: t.Name, Fields: fieldDiffs(t.Fields),
					Objects: objectDiffs(t.Objects), Annotations: t.Annotations})
			}
		}
		out.TaskGroups = append(out.TaskGroups, g)
	}
	return out
}

func fieldDiffs(fs []*api.FieldDiff) []FieldDiff {
	var out []FieldDiff
	for _, f := range fs {
		if f != nil {
			out = append(out, FieldDiff{Type: DiffType(f.Type), Name: f.Name, Old: f.Old, New: f.New})
		}
	}
	return out
}

func objectDiffs(os []*api.ObjectDiff) []ObjectDiff {
	var out []ObjectDiff
	for _, o := range os {
		if o != nil {
			out = append(out, ObjectDiff{Type: DiffType(o.Type), Name: o.Name, Fields: fieldDiffs(o.Fields), Objects: objectDiffs(o.Objects)})
		}
	}
	return out
}
