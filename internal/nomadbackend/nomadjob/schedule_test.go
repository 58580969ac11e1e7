package nomadjob

import (
	"testing"
	"time"

	"github.com/hashicorp/cronexpr"
)

// EventBridge cron fields become cronexpr's six fields; the day of week moves from
// 1–7 (SUN–SAT) to 0–6, everything else is the same.
func TestAWSDayOfWeek(t *testing.T) {
	for in, want := range map[string]string{"?": "?", "*": "*", "MON-FRI": "MON-FRI", "2-6": "1-5", "1,7": "0,6", "6#3": "5#3", "6L": "5L", "2/2": "1/2"} {
		if got := awsDayOfWeek(in); got != want {
			t.Errorf("awsDayOfWeek(%q) = %q, want %q", in, got, want)
		}
	}
	// cron(30 2 ? * 2-6 *) is 02:30 Monday to Friday: after Friday 2026-12-04 03:00
	// comes Monday 2026-12-07 02:30.
	e := cronexpr.MustParse("30 2 ? * " + awsDayOfWeek("2-6") + " *")
	if next := e.Next(time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC)) {
		t.Errorf("next = %s", next)
	}
}

func TestRateCron(t *testing.T) {
	for _, tc := range []struct {
		every time.Duration
		spec  string
		exact bool
	}{
		{time.Minute, "*/1 * * * * *", true}, {15 * time.Minute, "*/15 * * * * *", true}, {7 * time.Minute, "*/7 * * * * *", false},
		{2 * time.Hour, "0 */2 * * * *", true}, {5 * time.Hour, "0 */5 * * * *", false}, {24 * time.Hour, "0 0 * * * *", true},
		{72 * time.Hour, "0 0 */3 * * *", false}, {90 * time.Minute, "0 */1 * * * *", false},
	} {
		spec, exact := rateCron(tc.every)
		if spec != tc.spec || exact != tc.exact {
			t.Errorf("rate %s: %q exact=%v, want %q exact=%v", tc.every, spec, exact, tc.spec, tc.exact)
		}
		if _, err := cronexpr.Parse(spec); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
}
