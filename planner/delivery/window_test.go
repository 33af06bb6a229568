package delivery

import (
	"testing"
	"time"
)

func TestWindowOpen(t *testing.T) {
	w, err := ParseWindow([]string{"mon", "tue", "wed", "thu"}, "09:00-16:00", "America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	tests := []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 11, 24, 9, 0, 0, 0, la), true},         // Tuesday, opening minute
		{time.Date(2026, 11, 24, 15, 59, 0, 0, la), true},       // just before closing
		{time.Date(2026, 11, 24, 16, 0, 0, 0, la), false},       // closed at 16:00
		{time.Date(2026, 11, 24, 8, 59, 0, 0, la), false},       // before opening
		{time.Date(2026, 11, 27, 10, 0, 0, 0, la), false},       // Friday
		{time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC), true}, // 09:30 in Los Angeles
	}
	for _, tt := range tests {
		if got := w.Open(tt.at); got != tt.open {
			t.Errorf("Open(%s) = %v; want %v", tt.at, got, tt.open)
		}
	}
	// The days clocks change (Sundays in 2026): the wall clock counts,
	// not the hours since midnight.
	daily, err := ParseWindow(nil, "09:00-16:00", "America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 3, 8, 9, 30, 0, 0, la), true},
		{time.Date(2026, 3, 8, 8, 30, 0, 0, la), false},
		{time.Date(2026, 11, 1, 8, 30, 0, 0, la), false},
		{time.Date(2026, 11, 1, 9, 0, 0, 0, la), true},
	} {
		if got := daily.Open(tt.at); got != tt.open {
			t.Errorf("daily window Open(%s) = %v; want %v", tt.at, got, tt.open)
		}
	}
	if got, want := w.String(), "mon, tue, wed, thu 09:00-16:00 America/Los_Angeles"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	if !(Window{}).Open(time.Now()) {
		t.Error("the zero window is closed; want always open")
	}
	for _, bad := range [][3]string{{"fr", "", ""}, {"", "16:00-09:00", ""}, {"", "9-5", ""}, {"", "", "Mars/Olympus"}} {
		var days []string
		if bad[0] != "" {
			days = []string{bad[0]}
		}
		if _, err := ParseWindow(days, bad[1], bad[2]); err == nil {
			t.Errorf("ParseWindow(%q) accepted; want an error", bad)
		}
	}
}
