package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// resources are the provider's managed resource types.
func resources() map[string]*sdk.Resource {
	return map[string]*sdk.Resource{
		"aws_security_group":  securityGroupResource(),
		"aws_lb":              lbResource(),
		"aws_lb_target_group": lbTargetGroupResource(),
		"aws_lb_listener":     lbListenerResource(),
	}
}

// The attributes every resource here shares: its AWS identifiers, and
// tags with the provider's default_tags merged in.

func idAttribute(what string) *sdk.Attribute {
	return &sdk.Attribute{Type: cty.String, Computed: true, Description: what, PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()}}
}

func tagsAttribute() *sdk.Attribute {
	return &sdk.Attribute{Type: cty.Map(cty.String), Optional: true,
		Description: "Tags on the object. They are merged over the provider's default_tags, and win where a key is in both."}
}

func tagsAllAttribute() *sdk.Attribute {
	return &sdk.Attribute{Type: cty.Map(cty.String), Computed: true,
		Description: "Every tag on the object: the provider's default_tags with tags over them. A change of default_tags shows here, and updates the object in place."}
}

// planTagsAll predicts tags_all from the planned tags and the provider's
// default_tags, so that a plan shows the tags AWS will hold, and a change
// of default_tags alone plans an in-place update.
func planTagsAll(meta any, p *sdk.Plan) {
	c, ok := meta.(*client)
	if !ok || !p.Planned.IsKnown("tags") {
		p.SetUnknown("tags_all")
		return
	}
	p.Planned.Set("tags_all", c.tags(ownTags(p.Planned)))
}

// ownTags is the object's own tags attribute.
func ownTags(d *sdk.Data) map[string]string {
	own := map[string]string{}
	_ = d.Decode("tags", &own)
	return own
}

// setLiveTags records the tags AWS holds: all of them in tags_all, and in
// tags those that are the object's own. A tag the state already had as its
// own stays its own; any other that matches a default tag is the
// provider's; the rest were added outside tack, and show as drift.
func (c *client) setLiveTags(d *sdk.Data, live map[string]string) {
	prior := ownTags(d)
	own := map[string]string{}
	for k, v := range live {
		if _, mine := prior[k]; !mine {
			if dv, ok := c.defaultTags[k]; ok && dv == v {
				continue
			}
		}
		own[k] = v
	}
	if len(own) > 0 || !d.Get("tags").IsNull() {
		d.Set("tags", own)
	}
	if live == nil {
		live = map[string]string{}
	}
	d.Set("tags_all", live)
}

// tagChanges is what turns the tags recorded before an update into the
// planned ones: tags to set (new keys and new values) and keys to remove.
func tagChanges(d *sdk.Data) (set map[string]string, remove []string) {
	var before, after map[string]string
	if v := d.Prior("tags_all"); !v.IsNull() && v.IsWhollyKnown() {
		for k, s := range v.AsValueMap() {
			if before == nil {
				before = map[string]string{}
			}
			before[k] = s.AsString()
		}
	}
	_ = d.Decode("tags_all", &after)
	set = map[string]string{}
	for _, k := range sortedKeys(after) {
		if old, ok := before[k]; !ok || old != after[k] {
			set[k] = after[k]
		}
	}
	for _, k := range sortedKeys(before) {
		if _, ok := after[k]; !ok {
			remove = append(remove, k)
		}
	}
	return set, remove
}

// clientOf is the configured provider's client, or an error diagnostic
// when the provider was not configured (a bug in the caller).
func clientOf(meta any) (*client, sdk.Diagnostics) {
	c, ok := meta.(*client)
	if !ok || c == nil {
		return nil, sdk.Diagnostics{sdk.Errorf("Provider not configured", "The AWS provider was used before it was configured. This is a bug in tack.")}
	}
	return c, nil
}

// retryWhile calls op until it returns nil or an error that is not one of
// codes, or until timeout has passed, waiting longer after each try (from
// first, doubling, at most 30s). It returns op's last error; after the
// timeout it is wrapped to say how long tack waited.
//
// It is for AWS's eventual consistency that the SDK's retryer does not
// cover: a group still held by an instance being terminated, a target
// group its listener released a moment ago.
func retryWhile(ctx context.Context, timeout, first time.Duration, codes []string, op func() error) error {
	deadline := time.Now().Add(timeout)
	wait := first
	for {
		err := op()
		if err == nil || !isCode(err, codes...) {
			return err
		}
		if time.Now().Add(wait).After(deadline) {
			return &waitedError{waited: timeout, err: err}
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// waitedError is an error AWS kept returning for as long as tack waited.
type waitedError struct {
	waited time.Duration
	err    error
}

func (e *waitedError) Error() string {
	return fmt.Sprintf("still failing after %s: %v", e.waited, e.err)
}

func (e *waitedError) Unwrap() error { return e.err }

// stringsAttr decodes a list or set of strings attribute, in order; null or
// unknown is nil.
func stringsAttr(d *sdk.Data, name string) []string {
	var out []string
	_ = d.Decode(name, &out)
	return out
}
