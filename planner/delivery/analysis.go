package delivery

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Observations are what a platform counted for one server group over
// the analysis window.
type Observations struct {
	Requests, Errors int64
	// Latencies are per-request latencies; a histogram is given as
	// samples at each bucket's bound (see [FromHistogram]).
	Latencies []time.Duration
}

// FromHistogram turns a latency histogram into samples: counts[i]
// requests at bounds[i]; one count past the last bound is placed at
// twice it. Ranks are all the Mann-Whitney test needs, so bucket bounds
// stand in for the requests in them.
func FromHistogram(bounds []time.Duration, counts []int64) []time.Duration {
	var out []time.Duration
	for i, c := range counts {
		at := time.Duration(0)
		switch {
		case i < len(bounds):
			at = bounds[i]
		case len(bounds) > 0:
			at = 2 * bounds[len(bounds)-1]
		}
		for range c {
			out = append(out, at)
		}
	}
	return out
}

// Judgement settings, Kayenta's in spirit: each metric passes or fails,
// and the score is the percentage that passed.
type Judgement struct {
	// Confidence is how sure the latency test must be that the canary is
	// slower before it fails it: 0.98.
	Confidence float64
	// MaxErrorRatio is how much higher than the baseline's the canary's
	// error ratio (errors / requests) may be: 0.01 allows one point more.
	MaxErrorRatio float64
	// PassScore and MarginalScore: a score at or above PassScore passes;
	// below MarginalScore fails; in between is marginal, which does not
	// pass.
	PassScore, MarginalScore float64
	// MaxLatencyIncrease and MinLatencyIncrease are the effect size a
	// slower canary must reach to fail, beside the test's confidence:
	// its median latency more than MaxLatencyIncrease (0.2: 20%) above
	// the baseline's, and by more than MinLatencyIncrease. A difference
	// that is certain but small — a sub-millisecond service, a busy
	// machine, a canary's cold instances — is not a regression.
	MaxLatencyIncrease float64
	MinLatencyIncrease time.Duration
	// Interval is how often the canary is judged while it runs; a
	// judgement that fails ends the analysis early. Zero judges once,
	// at the end.
	Interval time.Duration
}

// DefaultJudgement is used where a policy's analysis block is silent.
var DefaultJudgement = Judgement{Confidence: 0.98, MaxErrorRatio: 0.01, PassScore: 95, MarginalScore: 75, MaxLatencyIncrease: 0.2, MinLatencyIncrease: time.Millisecond}

// Verdict is the outcome of a canary analysis.
type Verdict struct {
	Score   float64 // 0–100
	Result  string  // "pass", "marginal" or "fail"
	Metrics []MetricResult
}

// Passed reports whether the canary may be promoted.
func (v Verdict) Passed() bool { return v.Result == "pass" }

// MetricResult is one metric's judgement, with the numbers behind it.
type MetricResult struct {
	Name   string
	Pass   bool
	Reason string
}

// Judge compares a canary with its baseline: latency by a Mann-Whitney U
// test, errors by ratio. A canary that served no requests fails: there is
// nothing to judge it by.
func Judge(j Judgement, canary, baseline Observations) Verdict {
	if j.Confidence == 0 {
		j = DefaultJudgement
	}
	var results []MetricResult
	if canary.Requests == 0 || len(canary.Latencies) == 0 {
		results = append(results, MetricResult{Name: "requests", Pass: false, Reason: "the canary served no requests in the window"})
	} else {
		results = append(results, judgeLatency(j, canary.Latencies, baseline.Latencies))
		results = append(results, judgeErrors(j, canary, baseline))
	}
	passed := 0
	for _, r := range results {
		if r.Pass {
			passed++
		}
	}
	v := Verdict{Score: 100 * float64(passed) / float64(len(results)), Metrics: results}
	switch {
	case v.Score >= j.PassScore:
		v.Result = "pass"
	case v.Score < j.MarginalScore:
		v.Result = "fail"
	default:
		v.Result = "marginal"
	}
	return v
}

func judgeLatency(j Judgement, canary, baseline []time.Duration) MetricResult {
	r := MetricResult{Name: "latency"}
	if len(baseline) == 0 {
		r.Pass = true
		r.Reason = "no baseline latencies to compare with"
		return r
	}
	a, b := seconds(canary), seconds(baseline)
	p := MannWhitneyP(a, b)
	ca, cb := median(a), median(b)
	slower := ca > cb*(1+j.MaxLatencyIncrease) && ca-cb > j.MinLatencyIncrease.Seconds()
	r.Pass = !(slower && p < 1-j.Confidence)
	r.Reason = fmt.Sprintf("median %s vs baseline %s, p = %.4f (Mann-Whitney U)", time.Duration(ca*float64(time.Second)), time.Duration(cb*float64(time.Second)), p)
	if !slower && ca > cb && p < 1-j.Confidence {
		r.Reason += fmt.Sprintf(", slower by less than the %.0f%% and %s that count", 100*j.MaxLatencyIncrease, j.MinLatencyIncrease)
	}
	return r
}

func judgeErrors(j Judgement, canary, baseline Observations) MetricResult {
	ratio := func(o Observations) float64 {
		if o.Requests == 0 {
			return 0
		}
		return float64(o.Errors) / float64(o.Requests)
	}
	c, b := ratio(canary), ratio(baseline)
	return MetricResult{
		Name:   "errors",
		Pass:   c <= b+j.MaxErrorRatio,
		Reason: fmt.Sprintf("error ratio %.4f vs baseline %.4f (allowed %.4f more)", c, b, j.MaxErrorRatio),
	}
}

func seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// MannWhitneyP is the two-sided p-value of the Mann-Whitney U test that
// samples a and b come from the same distribution, by the normal
// approximation with the correction for ties and for continuity (sound
// for the sample sizes canary windows give, tens and more).
func MannWhitneyP(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return 1
	}
	type obs struct {
		v     float64
		fromA bool
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	n := n1 + n2
	var rankA, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		rank := float64(i+j+1) / 2 // average of ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].fromA {
				rankA += rank
			}
		}
		ties += t*t*t - t
		i = j
	}
	u := rankA - n1*(n1+1)/2
	mean := n1 * n2 / 2
	variance := n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		return 1 // every value the same
	}
	diff := math.Abs(u-mean) - 0.5
	if diff < 0 {
		diff = 0
	}
	z := diff / math.Sqrt(variance)
	return math.Erfc(z / math.Sqrt2)
}
