package delivery

import (
	"testing"
	"time"
)

func TestNaming(t *testing.T) {
	t.Parallel()
	if got := GroupName("api-prod", 42); got != "api-prod-v042" {
		t.Errorf("GroupName = %q", got)
	}
	for _, tt := range []struct {
		name    string
		cluster string
		seq     int
		ok      bool
	}{
		{"api-prod-v042", "api-prod", 42, true},
		{"api-v000", "api", 0, true},
		{"api-prod-canary-v999", "api-prod-canary", 999, true},
		{"api-prod", "", 0, false},
		{"api-prod-v42", "", 0, false},
		{"-v001", "", 0, false},
		{"api-prod-vabc", "", 0, false},
	} {
		c, s, ok := ParseGroupName(tt.name)
		if c != tt.cluster || s != tt.seq || ok != tt.ok {
			t.Errorf("ParseGroupName(%q) = %q, %d, %v; want %q, %d, %v", tt.name, c, s, ok, tt.cluster, tt.seq, tt.ok)
		}
	}
	for _, tt := range []struct {
		newest int
		inUse  map[int]bool
		want   int
	}{
		{-1, nil, 0},
		{41, map[int]bool{41: true}, 42},
		{999, map[int]bool{999: true}, 0},                   // wraps
		{999, map[int]bool{999: true, 0: true, 1: true}, 2}, // skips live groups
	} {
		got, err := NextSequence(tt.newest, tt.inUse)
		if err != nil || got != tt.want {
			t.Errorf("NextSequence(%d, %v) = %d, %v; want %d", tt.newest, tt.inUse, got, err, tt.want)
		}
	}
	all := map[int]bool{}
	for i := 0; i <= MaxSequence; i++ {
		all[i] = true
	}
	if _, err := NextSequence(5, all); err == nil {
		t.Error("NextSequence with every sequence taken succeeded")
	}
}

func TestDurationAsWritten(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		5 * time.Second: "5s", 10 * time.Second: "10s", 2 * time.Minute: "2m", 90 * time.Second: "1m30s",
		2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s",
	} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
