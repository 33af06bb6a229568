package client

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// BenchmarkLaunch measures what every tack command pays per provider:
// start the tack-provider-local binary, complete go-plugin's handshake with
// AutoMTLS, and fetch its schemas; then end it. The median per launch is
// reported as median-ms, since a launch's cost is skewed by the odd slow
// process start.
func BenchmarkLaunch(b *testing.B) {
	bin := builtProvider(b, "local")
	sum := fileSHA256(b, bin)
	for _, bc := range []struct {
		name string
		sum  []byte
	}{{"checksum", sum}, {"no-checksum", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				p, err := Launch(b.Context(), Opts{Name: "tack/local", Path: bin, SHA256: bc.sum})
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				b.StopTimer()
				_ = p.Close()
				b.StartTimer()
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2])/float64(time.Millisecond), "median-ms")
		})
	}
}

// BenchmarkPlanResourceChange measures round trips over the real transport
// (a launched provider, gRPC over a Unix socket with mTLS): planning an
// unchanged local_file, the call a plan makes for every resource. It
// reports plans/s, from one caller and from as many callers as the
// planner's parallelism gives it.
func BenchmarkPlanResourceChange(b *testing.B) {
	bin := builtProvider(b, "local")
	p, err := Launch(b.Context(), Opts{Name: "tack/local", Path: bin})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := b.Context()
	schemas := p.GetSchema(ctx)
	fileSchema := schemas.ResourceTypes["local_file"]
	block := &fileSchema.Block
	if d := p.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{Config: cty.NullVal(schemas.Provider.Block.ImpliedType())}).Diagnostics; d.HasErrors() {
		b.Fatal(d.Err())
	}
	path := filepath.Join(b.TempDir(), "f.txt")
	config := block.Object(map[string]cty.Value{"path": cty.StringVal(path), "content": cty.StringVal("hello")})
	null := cty.NullVal(block.ImpliedType())
	plan := p.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{TypeName: "local_file", PriorState: null, ProposedNewState: config, Config: config})
	applied := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: null, PlannedState: plan.PlannedState, Config: config})
	if applied.Diagnostics.HasErrors() {
		b.Fatal(applied.Diagnostics.Err())
	}
	req := sdk.PlanResourceChangeRequest{
		TypeName: "local_file", PriorState: applied.NewState,
		ProposedNewState: sdk.ProposedNewState(block, applied.NewState, config), Config: config,
	}
	changedConfig := block.Object(map[string]cty.Value{"path": cty.StringVal(path), "content": cty.StringVal("hello, changed")})
	changed := sdk.PlanResourceChangeRequest{
		TypeName: "local_file", PriorState: applied.NewState,
		ProposedNewState: sdk.ProposedNewState(block, applied.NewState, changedConfig), Config: changedConfig,
	}
	// The baseline is the transport alone: the smallest call there is,
	// from ten callers, so that plans/s can be read as a ratio of what
	// the machine's gRPC, TLS and scheduling allow.
	nullConfig := sdk.ValidateProviderConfigRequest{Config: cty.NullVal(schemas.Provider.Block.ImpliedType())}
	b.Run("baseline-empty-call/parallel", func(b *testing.B) {
		b.SetParallelism(5)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if d := p.ValidateProviderConfig(ctx, nullConfig).Diagnostics; d.HasErrors() {
					b.Error(d.Err())
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	for _, bc := range []struct {
		name string
		req  sdk.PlanResourceChangeRequest
	}{{"unchanged", req}, {"changed", changed}} {
		b.Run(bc.name+"/serial", func(b *testing.B) {
			for b.Loop() {
				if resp := p.PlanResourceChange(ctx, bc.req); resp.Diagnostics.HasErrors() {
					b.Fatal(resp.Diagnostics.Err())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plans/s")
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.SetParallelism(5) // 5 × GOMAXPROCS(2) = the planner's default of 10 in flight
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if resp := p.PlanResourceChange(ctx, bc.req); resp.Diagnostics.HasErrors() {
						b.Error(resp.Diagnostics.Err())
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plans/s")
		})
	}
}
