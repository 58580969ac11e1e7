package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The at(), rate() and cron() syntax that Application Auto Scaling's scheduled actions
// (ParseScalingSchedule) and EventBridge's schedules (ParseScheduleExpression) share.
// Each parser adds its service's own rules on top: EventBridge's singular unit for a
// rate of 1, Application Auto Scaling's field-by-field cron evaluation.

// splitExpression splits "kind(body)" into kind and the trimmed body.
func splitExpression(expr string) (kind, body string, ok bool) {
	open := strings.IndexByte(expr, '(')
	if open < 0 || !strings.HasSuffix(expr, ")") {
		return "", "", false
	}
	return expr[:open], strings.TrimSpace(expr[open+1 : len(expr)-1]), true
}

var rateUnits = map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// parseRate reads rate()'s body, "VALUE UNIT": a positive whole number and minute(s),
// hour(s) or day(s). unit is as written.
func parseRate(body string) (n int, unit string, every time.Duration, err error) {
	f := strings.Fields(body)
	if len(f) == 2 {
		n, err = strconv.Atoi(f[0])
		unit = f[1]
	}
	d := rateUnits[strings.TrimSuffix(unit, "s")]
	if len(f) != 2 || err != nil || d == 0 {
		return 0, "", 0, fmt.Errorf("rate() takes a whole number and minute(s), hour(s) or day(s), e.g. rate(5 minutes)")
	}
	if n < 1 {
		return 0, "", 0, fmt.Errorf("the rate must be a positive whole number")
	}
	return n, unit, time.Duration(n) * d, nil
}

// parseAt reads at()'s body, a wall-clock time in loc.
func parseAt(body string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", body, loc)
	if err != nil {
		reason := "not a valid date and time"
		if pe := (*time.ParseError)(nil); errors.As(err, &pe) && pe.Message != "" {
			reason = strings.TrimPrefix(pe.Message, ": ") // "month out of range"
		}
		return time.Time{}, fmt.Errorf("at() takes yyyy-mm-ddThh:mm:ss, e.g. at(2026-12-24T18:00:00) (%s)", reason)
	}
	return t, nil
}

// cronShape checks the six fields of a cron() body (minutes hours day-of-month month
// day-of-week year) and that exactly one of day-of-month and day-of-week is "?".
func cronShape(body string) ([]string, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(): exactly one of day-of-month and day-of-week must be ?")
	}
	return f, nil
}
