package delivery

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMannWhitneyP(t *testing.T) {
	t.Parallel()
	seq := func(from, to int) []float64 {
		var out []float64
		for i := from; i <= to; i++ {
			out = append(out, float64(i))
		}
		return out
	}
	// Two groups of ten that do not overlap: U = 0, mean 50, variance
	// 10·10/12·21 = 175, z = (50 - 0.5)/√175 = 3.742, and the two-sided
	// p is erfc(z/√2) = 0.000183 (SciPy's asymptotic mannwhitneyu with
	// the continuity correction gives the same).
	if p := MannWhitneyP(seq(1, 10), seq(11, 20)); math.Abs(p-0.000183) > 0.000001 {
		t.Errorf("separated groups: p = %.6f, want 0.000183", p)
	}
	// The same sample against itself: no evidence of a difference.
	if p := MannWhitneyP(seq(1, 10), seq(1, 10)); p < 0.9 {
		t.Errorf("identical samples: p = %.4f, want near 1", p)
	}
	if p := MannWhitneyP([]float64{5, 5, 5}, []float64{5, 5}); p != 1 {
		t.Errorf("all ties: p = %v, want 1", p)
	}
	if p := MannWhitneyP(nil, seq(1, 3)); p != 1 {
		t.Errorf("no data: p = %v, want 1", p)
	}
}

// latencies draws n latencies around a median, with a long tail, from a
// seeded source.
func latencies(r *rand.Rand, n int, median time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(median) * math.Exp(r.NormFloat64()*0.3))
	}
	return out
}

func TestJudge(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	baseline := Observations{Requests: 1000, Errors: 2, Latencies: latencies(r, 300, 20*time.Millisecond)}
	tests := []struct {
		name   string
		canary Observations
		want   string
	}{
		{"same version", Observations{Requests: 100, Errors: 0, Latencies: latencies(r, 100, 20*time.Millisecond)}, "pass"},
		{"slower by half", Observations{Requests: 100, Errors: 0, Latencies: latencies(r, 100, 30*time.Millisecond)}, "fail"},
		{"erroring", Observations{Requests: 100, Errors: 10, Latencies: latencies(r, 100, 20*time.Millisecond)}, "fail"},
		{"silent", Observations{}, "fail"},
		// Certainly slower, but by less than the effect that counts.
		{"slower by a tenth", Observations{Requests: 1000, Latencies: latencies(r, 1000, 22*time.Millisecond)}, "pass"},
		// Faster is not a failure: the test is one-directional in effect.
		{"faster", Observations{Requests: 100, Latencies: latencies(r, 100, 10*time.Millisecond)}, "pass"},
	}
	for _, tt := range tests {
		v := Judge(DefaultJudgement, tt.canary, baseline)
		if v.Result != tt.want {
			t.Errorf("%s: %s (score %.0f, %+v), want %s", tt.name, v.Result, v.Score, v.Metrics, tt.want)
		}
	}
	// A sub-millisecond service a quarter slower, by 0.12ms: certain, but
	// below the absolute difference that counts (the median of 596µs
	// against 477µs seen of two identical versions on a busy machine).
	fast := Observations{Requests: 2000, Latencies: latencies(r, 2000, 477*time.Microsecond)}
	slow := Observations{Requests: 2000, Latencies: latencies(r, 2000, 596*time.Microsecond)}
	if v := Judge(DefaultJudgement, slow, fast); !v.Passed() {
		t.Errorf("0.12ms slower at 0.5ms: %s (%+v), want pass", v.Result, v.Metrics)
	}
	strict := DefaultJudgement
	strict.MinLatencyIncrease = 0
	if v := Judge(strict, slow, fast); v.Passed() {
		t.Errorf("0.12ms slower at 0.5ms with no absolute floor: passed, want a failure (%+v)", v.Metrics)
	}
	// One metric of two failing scores 50: below the marginal score.
	v := Judge(Judgement{Confidence: 0.98, MaxErrorRatio: 0.01, PassScore: 95, MarginalScore: 40}, tests[2].canary, baseline)
	if v.Score != 50 || v.Result != "marginal" || v.Passed() {
		t.Errorf("half the metrics failing with a marginal score of 40: %s (score %.0f)", v.Result, v.Score)
	}
}

func TestFromHistogram(t *testing.T) {
	t.Parallel()
	got := FromHistogram([]time.Duration{time.Millisecond, 10 * time.Millisecond}, []int64{2, 1, 1})
	want := []time.Duration{time.Millisecond, time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}
