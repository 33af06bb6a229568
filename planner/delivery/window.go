package delivery

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Window is when a policy lets deployments run: some days of the week,
// between two times of day, in a time zone. The zero Window is always
// open.
type Window struct {
	// Days are the open days; none means every day.
	Days []time.Weekday
	// From and To bound the open hours as offsets from midnight; To may
	// be 24h. Both zero means all day.
	From, To time.Duration
	// Location is the time zone; nil means UTC.
	Location *time.Location
}

// Open reports whether the window is open at t.
func (w Window) Open(t time.Time) bool {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if len(w.Days) > 0 && !slices.Contains(w.Days, t.Weekday()) {
		return false
	}
	if w.From == 0 && w.To == 0 {
		return true
	}
	// The wall clock, not the time since midnight: on the days clocks
	// change the two differ by an hour.
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return since >= w.From && since < w.To
}

// String is the window as a policy writes it: "mon, tue 09:00-16:00
// America/Los_Angeles".
func (w Window) String() string {
	var parts []string
	if len(w.Days) > 0 {
		var days []string
		for _, d := range w.Days {
			days = append(days, strings.ToLower(d.String()[:3]))
		}
		parts = append(parts, strings.Join(days, ", "))
	}
	if w.From != 0 || w.To != 0 {
		parts = append(parts, clock(w.From)+"-"+clock(w.To))
	}
	if w.Location != nil {
		parts = append(parts, w.Location.String())
	}
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, " ")
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// ParseWindow reads a window's days ("mon"…"sun"), hours ("09:00-16:00")
// and IANA time zone, each optional.
func ParseWindow(days []string, hours, zone string) (Window, error) {
	var w Window
	names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	for _, d := range days {
		i := slices.Index(names, strings.ToLower(d))
		if i < 0 {
			return Window{}, fmt.Errorf("%q is not a day: use mon, tue, wed, thu, fri, sat or sun", d)
		}
		w.Days = append(w.Days, time.Weekday(i))
	}
	if hours != "" {
		from, to, ok := strings.Cut(hours, "-")
		f, ferr := parseClock(from)
		t, terr := parseClock(to)
		if !ok || ferr != nil || terr != nil || t <= f {
			return Window{}, fmt.Errorf("%q is not a range of hours such as \"09:00-16:00\"", hours)
		}
		w.From, w.To = f, t
	}
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return Window{}, fmt.Errorf("%q is not a time zone: %w", zone, err)
		}
		w.Location = loc
	}
	return w, nil
}

func parseClock(s string) (time.Duration, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}
