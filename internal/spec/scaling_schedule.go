package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ScalingSchedule is a parsed Application Auto Scaling schedule expression: at(), rate() or
// cron(), with its time zone (Timezone, UTC when empty).
type ScalingSchedule struct {
	Expr string
	Loc  *time.Location
	at   time.Time     // at(): a one-time action, in Loc
	rate time.Duration // rate(): every rate, from the schedule's start
	cron *cronFields
}

type cronFields struct {
	minute, hour, dom, month, dow [64]bool
	years                         map[int]bool // nil: every year
}

// ParseScalingSchedule parses "at(yyyy-mm-ddThh:mm:ss)", "rate(N minute|minutes|hour|hours|day|days)"
// or "cron(minutes hours day-of-month month day-of-week year)", the forms
// PutScheduledAction takes, in the IANA time zone tz.
func ParseScalingSchedule(expr, tz string) (*ScalingSchedule, error) {
	s := &ScalingSchedule{Expr: expr, Loc: time.UTC}
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("Timezone %q: not an IANA time zone name (e.g. \"UTC\", \"Europe/Berlin\", \"America/New_York\")", tz)
		}
		s.Loc = loc
	}
	kind, body, ok := splitExpression(expr)
	if !ok {
		return nil, fmt.Errorf("Schedule %q: expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)", expr)
	}
	switch kind {
	case "at":
		t, err := parseAt(body, s.Loc)
		if err != nil {
			return nil, fmt.Errorf("Schedule %q: %v", expr, err)
		}
		s.at = t
	case "rate":
		_, _, every, err := parseRate(body)
		if err != nil {
			return nil, fmt.Errorf("Schedule %q: %v", expr, err)
		}
		s.rate = every
	case "cron":
		c, err := parseCron(body)
		if err != nil {
			return nil, fmt.Errorf("Schedule %q: %v", expr, err)
		}
		s.cron = c
	default:
		return nil, fmt.Errorf("Schedule %q: unknown expression %q; allowed: at(), rate(), cron()", expr, kind)
	}
	return s, nil
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dowNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

// parseCron reads the six fields of an EventBridge-style cron expression.
func parseCron(body string) (*cronFields, error) {
	f, err := cronShape(body)
	if err != nil {
		return nil, err
	}
	c := &cronFields{}
	specs := []struct {
		name     string
		dst      *[64]bool
		lo, hi   int
		names    map[string]int
		question bool
	}{
		{"minutes", &c.minute, 0, 59, nil, false},
		{"hours", &c.hour, 0, 23, nil, false},
		{"day-of-month", &c.dom, 1, 31, nil, true},
		{"month", &c.month, 1, 12, monthNames, false},
		{"day-of-week", &c.dow, 1, 7, dowNames, true},
	}
	for i, sp := range specs {
		if strings.ContainsAny(f[i], "LW#") && !isNamed(f[i], sp.names) {
			return nil, fmt.Errorf("cron() %s %q: L, W and # are not supported by ecsgit yet", sp.name, f[i])
		}
		if f[i] == "?" {
			if !sp.question {
				return nil, fmt.Errorf("cron() %s: ? is allowed only in day-of-month and day-of-week", sp.name)
			}
			for v := sp.lo; v <= sp.hi; v++ {
				sp.dst[v] = true
			}
			continue
		}
		if err := parseCronField(f[i], sp.lo, sp.hi, sp.names, sp.dst); err != nil {
			return nil, fmt.Errorf("cron() %s %q: %v", sp.name, f[i], err)
		}
	}
	if f[5] != "*" {
		var yrs = map[int]bool{}
		for _, part := range strings.Split(f[5], ",") {
			lo, hi, err := cronRange(part, 1970, 2199, nil)
			if err != nil {
				return nil, fmt.Errorf("cron() year %q: %v", f[5], err)
			}
			for y := lo; y <= hi; y++ {
				yrs[y] = true
			}
		}
		c.years = yrs
	}
	return c, nil
}

func isNamed(s string, names map[string]int) bool {
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
		if _, ok := names[strings.ToUpper(part)]; !ok && strings.ContainsAny(part, "LW#") {
			return false
		}
	}
	return true
}

func parseCronField(s string, lo, hi int, names map[string]int, dst *[64]bool) error {
	for _, part := range strings.Split(s, ",") {
		step := 1
		if base, st, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(st)
			if err != nil || n < 1 {
				return fmt.Errorf("step %q is not a positive number", st)
			}
			step, part = n, base
			if !strings.Contains(part, "-") && part != "*" {
				part += "-" + strconv.Itoa(hi)
			}
		}
		a, b, err := cronRange(part, lo, hi, names)
		if err != nil {
			return err
		}
		for v := a; v <= b; v += step {
			dst[v] = true
		}
	}
	return nil
}

func cronRange(part string, lo, hi int, names map[string]int) (int, int, error) {
	if part == "*" {
		return lo, hi, nil
	}
	a, b, isRange := strings.Cut(part, "-")
	x, err := cronValue(a, lo, hi, names)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return x, x, nil
	}
	y, err := cronValue(b, lo, hi, names)
	if err != nil {
		return 0, 0, err
	}
	if y < x {
		return 0, 0, fmt.Errorf("range %s is backwards", part)
	}
	return x, y, nil
}

func cronValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
	}
	return v, nil
}

// Next returns the first time the schedule fires strictly after `after`; start is when
// a rate() schedule began (its StartTime, or when it was first seen). ok is false when
// it never fires again (a past at()).
func (s *ScalingSchedule) Next(after, start time.Time) (time.Time, bool) {
	switch {
	case !s.at.IsZero():
		return s.at, s.at.After(after)
	case s.rate > 0:
		if start.After(after) {
			return start, true
		}
		n := after.Sub(start)/s.rate + 1
		return start.Add(n * s.rate), true
	}
	// cron: minute by minute in the schedule's zone, at most about 5 years ahead.
	t := after.In(s.Loc).Truncate(time.Minute).Add(time.Minute)
	for i := 0; i < 5*366*24*60; i++ {
		c := s.cron
		if c.month[int(t.Month())] && c.dom[t.Day()] && c.dow[int(t.Weekday())+1] && c.hour[t.Hour()] && c.minute[t.Minute()] &&
			(c.years == nil || c.years[t.Year()]) {
			return t, true
		}
		switch {
		case !c.month[int(t.Month())] || !c.dom[t.Day()] || !c.dow[int(t.Weekday())+1]:
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, s.Loc)
		case !c.hour[t.Hour()]:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, s.Loc)
		default:
			t = t.Add(time.Minute)
		}
	}
	return time.Time{}, false
}

// Prev returns the last time at or before now that the schedule fired; start is when a
// rate() schedule began (its StartTime; the zero time counts from the Unix epoch). ok
// is false when it has not fired yet.
func (s *ScalingSchedule) Prev(now, start time.Time) (time.Time, bool) {
	switch {
	case !s.at.IsZero():
		return s.at, !s.at.After(now)
	case s.rate > 0:
		if start.IsZero() {
			start = time.Unix(0, 0)
		}
		if now.Before(start) {
			return time.Time{}, false
		}
		return start.Add(now.Sub(start) / s.rate * s.rate), true
	}
	c := s.cron
	t := now.In(s.Loc).Truncate(time.Minute)
	for i := 0; i < 5*366*24*60; i++ {
		switch {
		case c.years != nil && !c.years[t.Year()] && t.Year() < 1970:
			return time.Time{}, false
		case !c.month[int(t.Month())] || !c.dom[t.Day()] || !c.dow[int(t.Weekday())+1] || c.years != nil && !c.years[t.Year()]:
			// the last minute of the previous day
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.Loc).Add(-time.Minute)
		case !c.hour[t.Hour()]:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, s.Loc).Add(-time.Minute)
		case !c.minute[t.Minute()]:
			t = t.Add(-time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}
