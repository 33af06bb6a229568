package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/plugins/providers/local/internal/platform"
	"github.com/tackhq/tack/plugins/sdk"
)

// loadBalancerResource is local_load_balancer: an HTTP reverse proxy the
// platform's supervisor runs, in front of the clusters whose
// load_balancers name its id.
func loadBalancerResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "An HTTP reverse proxy on this machine that health-checks the instances of the clusters attached to it and routes requests to the healthy instances of their enabled server groups, by weight. Attach a cluster with load_balancers = [local_load_balancer.NAME.id].",
			Attributes: map[string]*sdk.Attribute{
				"listen": {
					Type:        cty.String,
					Required:    true,
					Description: "Where the proxy listens, host:port, such as \"127.0.0.1:8080\"; port 0 lets the platform choose a free port (see address). Changing it moves the proxy in place: it listens on the new address before it stops listening on the old one.",
					Validators:  []sdk.Validator{validListen},
				},
				"drain_timeout": {
					Type:        cty.String,
					Optional:    true,
					Description: "How long requests in flight to an instance being stopped (its group destroyed or scaled in) may take before it is stopped anyway, and how long deleting the proxy waits for its requests. Default \"30s\".",
					Validators:  []sdk.Validator{validDuration},
				},
				"id": {
					Type:          cty.String,
					Computed:      true,
					Description:   "The load balancer's identifier on the platform, which a cluster's load_balancers names.",
					PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()},
				},
				"address": {
					Type:        cty.String,
					Computed:    true,
					Description: "Where the proxy listens: listen, with the chosen port when listen's port is 0.",
				},
			},
			BlockTypes: map[string]*sdk.NestedBlock{
				"health_check": {
					Nesting: sdk.NestingSingle,
					Block:   healthCheckBlock("The active health check the proxy runs against every instance of the attached clusters; it routes only to instances that pass it."),
				},
			},
		},
		ModifyPlan: planLoadBalancer,
		Create:     createLoadBalancer,
		Read:       readLoadBalancer,
		Update:     updateLoadBalancer,
		Delete:     deleteLoadBalancer,
		Import:     sdk.ImportAs("id"),
	}
}

var listenAttr = cty.GetAttrPath("listen")

func validListen(path cty.Path, v cty.Value) sdk.Diagnostics {
	_, port, err := net.SplitHostPort(v.AsString())
	if err == nil {
		if n, perr := strconv.ParseUint(port, 10, 16); perr != nil || n > 65535 {
			err = errors.New("the port must be a number from 0 to 65535")
		}
	}
	if err != nil {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid listen address",
			"listen must be host:port, such as \"127.0.0.1:8080\" or \"127.0.0.1:0\" for any free port; %q is not: %s.", v.AsString(), err)}
	}
	return nil
}

// planLoadBalancer predicts the address: listen itself unless its port is
// 0, when the port the platform chose is kept for as long as listen stays
// the same.
func planLoadBalancer(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
	d := p.Planned
	if !d.IsSet("listen") {
		return nil
	}
	listen := d.String("listen")
	if _, port, err := net.SplitHostPort(listen); err == nil && port != "0" {
		d.Set("address", listen)
	} else if !p.Creating() && p.Prior.GetAttr("listen").RawEquals(cty.StringVal(listen)) && p.Prior.GetAttr("address").IsKnown() {
		d.Set("address", p.Prior.GetAttr("address"))
	}
	return nil
}

// lbSpecType is what the platform keeps of the configuration for Read to
// give back as written: listen is the platform's own, id and address are
// computed.
var lbSpecType = cty.Object(map[string]cty.Type{
	"drain_timeout": cty.String,
	"health_check":  func() cty.Type { b := healthCheckBlock(""); return b.ImpliedType() }(),
})

// platformLoadBalancer is the platform's form of the planned state in d.
func platformLoadBalancer(d *sdk.Data, id string) (platform.LoadBalancer, sdk.Diagnostics) {
	lb := platform.LoadBalancer{ID: id, Listen: d.String("listen")}
	spec := cty.ObjectVal(map[string]cty.Value{"drain_timeout": d.Get("drain_timeout"), "health_check": d.Get("health_check")})
	raw, err := ctyjson.Marshal(spec, lbSpecType)
	if err != nil {
		return lb, sdk.FromError("Invalid load balancer", err)
	}
	lb.Spec = raw
	if d.IsSet("drain_timeout") {
		lb.DrainTimeout, _ = time.ParseDuration(d.String("drain_timeout"))
	}
	hc, err := platformHealthCheck(d.Get("health_check"))
	if err != nil {
		return lb, sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("health_check"), "Invalid health check", "%s.", err)}
	}
	if hc != nil {
		lb.HealthCheck = *hc
	}
	return lb, nil
}

// addressOf is the address attribute: listen, or with port 0 the address
// the platform bound, keeping listen's spelling of the host.
func addressOf(lb platform.LoadBalancer) string {
	host, port, err := net.SplitHostPort(lb.Listen)
	if err != nil || port != "0" {
		return lb.Listen
	}
	if _, bound, err := net.SplitHostPort(lb.Address); err == nil {
		return net.JoinHostPort(host, bound)
	}
	return lb.Listen
}

func newLoadBalancerID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "lb-" + hex.EncodeToString(b)
}

func putLoadBalancer(ctx context.Context, meta any, d *sdk.Data, id string) sdk.Diagnostics {
	cl, _, diags := platformOf(meta)
	if diags != nil {
		return diags
	}
	lb, diags := platformLoadBalancer(d, id)
	if diags.HasErrors() {
		return diags
	}
	got, err := cl.PutLoadBalancer(ctx, lb)
	var perr *platform.Error
	switch {
	case errors.As(err, &perr) && perr.Code == platform.CodeConflict:
		return sdk.Diagnostics{sdk.AttributeErrorf(listenAttr, "Cannot listen", "%s. Choose another address, or stop what listens there.", capitalize(perr.Message))}
	case err != nil:
		return platformDiags("setting up load balancer "+id, err)
	}
	d.Set("id", id)
	d.Set("address", addressOf(got))
	return nil
}

func createLoadBalancer(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	return putLoadBalancer(ctx, meta, d, newLoadBalancerID())
}

func updateLoadBalancer(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	id := d.String("id")
	if id == "" {
		id = d.Prior("id").AsString()
	}
	return putLoadBalancer(ctx, meta, d, id)
}

// readLoadBalancer reports the load balancer as the platform has it, and
// warns when the proxy is not listening (its port was taken while no
// supervisor ran; the supervisor keeps trying).
func readLoadBalancer(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	cl, _, diags := platformOf(meta)
	if diags != nil {
		return diags
	}
	id := d.String("id")
	got, err := cl.LoadBalancer(ctx, id)
	if platform.IsNotFound(err) {
		d.SetGone()
		return nil
	}
	if err != nil {
		return platformDiags("reading load balancer "+id, err)
	}
	d.Set("listen", got.Listen)
	d.Set("address", addressOf(got))
	if len(got.Spec) > 0 {
		spec, err := ctyjson.Unmarshal(got.Spec, lbSpecType)
		if err != nil {
			return sdk.Diagnostics{sdk.Errorf("Unreadable load balancer", "The platform's record of %s cannot be read: %s.", id, err)}
		}
		d.Set("drain_timeout", spec.GetAttr("drain_timeout"))
		d.Set("health_check", spec.GetAttr("health_check"))
	}
	if !got.Listening {
		diags = append(diags, sdk.Diagnostic{Severity: sdk.Warning, Summary: "Load balancer not listening", Attribute: listenAttr,
			Detail: "The local load balancer " + id + " cannot listen on " + got.Address + ": " + got.Error + ". The platform retries every few seconds; free the address, or change listen."})
	}
	return diags
}

func deleteLoadBalancer(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	cl, _, diags := platformOf(meta)
	if diags != nil {
		return diags
	}
	if err := cl.DeleteLoadBalancer(ctx, d.String("id")); err != nil {
		return platformDiags("deleting load balancer "+d.String("id"), err)
	}
	return nil
}
