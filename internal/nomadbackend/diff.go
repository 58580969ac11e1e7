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
		if g.Type == DiffEdited && !g.edits() {
			g.Type = DiffNone // only empty edits (see objectDiffs)
		}
		out.TaskGroups = append(out.TaskGroups, g)
	}
	if out.Type == DiffEdited && !out.edits() {
		out.Type = DiffNone
	}
	return out
}

func (g GroupDiff) edits() bool {
	if (ObjectDiff{Fields: g.Fields, Objects: g.Objects}).edits() {
		return true
	}
	for _, t := range g.Tasks {
		if t.Type != DiffNone {
			return true
		}
	}
	return false
}

func (d *JobDiff) edits() bool {
	if (ObjectDiff{Fields: d.Fields, Objects: d.Objects}).edits() {
		return true
	}
	for _, g := range d.TaskGroups {
		if g.Type != DiffNone {
			return true
		}
	}
	return false
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
			od := ObjectDiff{Type: DiffType(o.Type), Name: o.Name, Fields: fieldDiffs(o.Fields), Objects: objectDiffs(o.Objects)}
			if od.Type == DiffEdited && !od.edits() {
				// Nomad marks a group's Scaling block "Edited" whenever the policy IDs
				// and indexes it leaves out of the field diff differ (always, between a
				// translation and the registered job), with no field changed. Not an edit.
				od.Type = DiffNone
			}
			out = append(out, od)
		}
	}
	return out
}

// edits reports whether the object has an edited field or sub-object.
func (o ObjectDiff) edits() bool {
	for _, f := range o.Fields {
		if f.Type != DiffNone {
			return true
		}
	}
	for _, s := range o.Objects {
		if s.Type != DiffNone {
			return true
		}
	}
	return false
}
