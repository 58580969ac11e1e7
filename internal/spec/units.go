package spec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// CPUUnits is task-level cpu in ECS CPU units (1024 = 1 vCPU). ECS's API takes a string;
// real repositories hold numbers ("cpu": 256), numeric strings ("256") and unit strings
// ("0.25 vCPU", "1 vcpu"). All decode to the same value; zero means unset.
type CPUUnits int

// MemoryMiB is task-level memory in MiB. Accepted: 512, "512", "2 GB", "2GB", "0.5 GB",
// "512 MiB", "512 MB" (ECS treats MB as MiB). Zero means unset.
type MemoryMiB int

// ParseCPUUnits parses the forms CPUUnits accepts.
func ParseCPUUnits(s string) (CPUUnits, error) {
	v, unit, err := splitQuantity(s)
	if err != nil {
		return 0, fmt.Errorf("cpu %q: %w", s, err)
	}
	switch unit {
	case "":
		if v != float64(int(v)) {
			return 0, fmt.Errorf("cpu %q: CPU units must be a whole number (or use \"N vCPU\")", s)
		}
		return CPUUnits(v), nil
	case "vcpu", "vcpus":
		return CPUUnits(v * 1024), nil
	}
	return 0, fmt.Errorf("cpu %q: unknown unit %q (allowed: CPU units as a number, or \"N vCPU\")", s, unit)
}

// ParseMemoryMiB parses the forms MemoryMiB accepts.
func ParseMemoryMiB(s string) (MemoryMiB, error) {
	v, unit, err := splitQuantity(s)
	if err != nil {
		return 0, fmt.Errorf("memory %q: %w", s, err)
	}
	switch unit {
	case "", "mb", "mib":
		if v != float64(int(v)) {
			return 0, fmt.Errorf("memory %q: MiB must be a whole number", s)
		}
		return MemoryMiB(v), nil
	case "gb", "gib":
		return MemoryMiB(v * 1024), nil
	}
	return 0, fmt.Errorf("memory %q: unknown unit %q (allowed: MiB as a number, \"N MB\", \"N GB\")", s, unit)
}

func splitQuantity(s string) (float64, string, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, "", fmt.Errorf("not a number")
	}
	v, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || v < 0 {
		return 0, "", fmt.Errorf("not a number")
	}
	return v, strings.ToLower(strings.TrimSpace(t[i:])), nil
}

func (c *CPUUnits) UnmarshalJSON(b []byte) error {
	s, err := numberOrString(b)
	if err != nil || s == "" {
		*c = 0
		return err
	}
	v, err := ParseCPUUnits(s)
	*c = v
	return err
}

// MarshalJSON writes the canonical ECS form: a string of CPU units.
func (c CPUUnits) MarshalJSON() ([]byte, error) { return json.Marshal(strconv.Itoa(int(c))) }

func (m *MemoryMiB) UnmarshalJSON(b []byte) error {
	s, err := numberOrString(b)
	if err != nil || s == "" {
		*m = 0
		return err
	}
	v, err := ParseMemoryMiB(s)
	*m = v
	return err
}

// MarshalJSON writes the canonical ECS form: a string of MiB.
func (m MemoryMiB) MarshalJSON() ([]byte, error) { return json.Marshal(strconv.Itoa(int(m))) }

func numberOrString(b []byte) (string, error) {
	t := strings.TrimSpace(string(b))
	if t == "null" {
		return "", nil
	}
	if strings.HasPrefix(t, `"`) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("want a number or a string, got %s", t)
	}
	return n.String(), nil
}
