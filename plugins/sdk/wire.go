package sdk

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"github.com/zclconf/go-cty/cty/msgpack"

	"github.com/tackhq/tack/plugins/proto"
)

// This file converts between the Go contract and the wire messages of
// plugins/proto, for both the server and the client side.

func encodeValue(v cty.Value, ty cty.Type) (*proto.DynamicValue, error) {
	if v == cty.NilVal || v.IsNull() {
		return &proto.DynamicValue{}, nil
	}
	b, err := msgpack.Marshal(v, ty)
	if err != nil {
		return nil, err
	}
	return &proto.DynamicValue{Msgpack: b}, nil
}

// decodeValue decodes bytes from the other end of the wire, which must not
// crash this end whatever they hold. go-cty's decoder takes an empty map,
// or a map that repeats a key, for an object of any type, so the result is
// checked against ty: a value whose attributes are missing would panic the
// first code that reads them. And a list, set or map holding such an
// object next to a whole one panics inside the decoder, so that panic is
// an error too.
func decodeValue(dv *proto.DynamicValue, ty cty.Type) (v cty.Value, err error) {
	if dv == nil || len(dv.Msgpack) == 0 {
		return cty.NullVal(ty), nil
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = cty.NullVal(ty), fmt.Errorf("malformed value: %v", r)
		}
	}()
	v, err = msgpack.Unmarshal(dv.Msgpack, ty)
	if err != nil {
		return cty.NullVal(ty), err
	}
	if errs := v.Type().TestConformance(ty); len(errs) > 0 {
		return cty.NullVal(ty), errs[0]
	}
	return v, nil
}

// sameEncoding reports whether two wire values have the same bytes, and so
// (against one type) are the same value: go-cty's msgpack encoding is
// deterministic.
func sameEncoding(a, b *proto.DynamicValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Msgpack, b.Msgpack)
}

func pathToProto(p cty.Path) *proto.AttributePath {
	if len(p) == 0 {
		return nil
	}
	out := &proto.AttributePath{}
	for _, step := range p {
		switch step := step.(type) {
		case cty.GetAttrStep:
			out.Steps = append(out.Steps, &proto.AttributePath_Step{Selector: &proto.AttributePath_Step_AttributeName{AttributeName: step.Name}})
		case cty.IndexStep:
			switch {
			case step.Key.IsNull() || !step.Key.IsKnown():
				// No key to send; the path stops at the collection.
			case step.Key.Type() == cty.String:
				out.Steps = append(out.Steps, &proto.AttributePath_Step{Selector: &proto.AttributePath_Step_ElementKeyString{ElementKeyString: step.Key.AsString()}})
			case step.Key.Type() == cty.Number:
				i, _ := step.Key.AsBigFloat().Int64()
				out.Steps = append(out.Steps, &proto.AttributePath_Step{Selector: &proto.AttributePath_Step_ElementKeyInt{ElementKeyInt: i}})
			}
		}
	}
	return out
}

func pathFromProto(p *proto.AttributePath) cty.Path {
	if p == nil || len(p.Steps) == 0 {
		return nil
	}
	var out cty.Path
	for _, step := range p.Steps {
		switch s := step.Selector.(type) {
		case *proto.AttributePath_Step_AttributeName:
			out = out.GetAttr(s.AttributeName)
		case *proto.AttributePath_Step_ElementKeyString:
			out = out.Index(cty.StringVal(s.ElementKeyString))
		case *proto.AttributePath_Step_ElementKeyInt:
			out = out.Index(cty.NumberIntVal(s.ElementKeyInt))
		}
	}
	return out
}

func pathsToProto(ps []cty.Path) []*proto.AttributePath {
	var out []*proto.AttributePath
	for _, p := range ps {
		out = append(out, pathToProto(p))
	}
	return out
}

func pathsFromProto(ps []*proto.AttributePath) []cty.Path {
	var out []cty.Path
	for _, p := range ps {
		out = append(out, pathFromProto(p))
	}
	return out
}

func diagsToProto(ds Diagnostics) []*proto.Diagnostic {
	var out []*proto.Diagnostic
	for _, d := range ds {
		sev := proto.Diagnostic_ERROR
		if d.Severity == Warning {
			sev = proto.Diagnostic_WARNING
		}
		out = append(out, &proto.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Attribute: pathToProto(d.Attribute)})
	}
	return out
}

func diagsFromProto(ds []*proto.Diagnostic) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		sev := Error
		if d.Severity == proto.Diagnostic_WARNING {
			sev = Warning
		}
		out = append(out, Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Attribute: pathFromProto(d.Attribute)})
	}
	return out
}

func schemaToProto(s Schema) (*proto.Schema, error) {
	b, err := blockToProto(&s.Block)
	if err != nil {
		return nil, err
	}
	return &proto.Schema{Version: s.Version, Block: b}, nil
}

func blockToProto(b *Block) (*proto.Block, error) {
	out := &proto.Block{Description: b.Description, Deprecated: b.Deprecated}
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		ty, err := a.Type.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out.Attributes = append(out.Attributes, &proto.Attribute{
			Name: name, Type: ty, Description: a.Description,
			Required: a.Required, Optional: a.Optional, Computed: a.Computed,
			Sensitive: a.Sensitive, Deprecated: a.Deprecated,
		})
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		inner, err := blockToProto(&nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", name, err)
		}
		out.BlockTypes = append(out.BlockTypes, &proto.NestedBlock{
			TypeName: name, Block: inner, Nesting: proto.NestedBlock_Nesting(nb.Nesting),
			MinItems: int64(nb.MinItems), MaxItems: int64(nb.MaxItems),
		})
	}
	return out, nil
}

func schemaFromProto(s *proto.Schema) (Schema, error) {
	if s == nil {
		return Schema{}, nil
	}
	b, err := blockFromProto(s.Block)
	b.Freeze()
	return Schema{Version: s.Version, Block: b}, err
}

func blockFromProto(b *proto.Block) (Block, error) {
	out := Block{}
	if b == nil {
		return out, nil
	}
	out.Description, out.Deprecated = b.Description, b.Deprecated
	for _, a := range b.Attributes {
		ty, err := ctyjson.UnmarshalType(a.Type)
		if err != nil {
			return out, fmt.Errorf("attribute %q has an invalid type: %w", a.Name, err)
		}
		if out.Attributes == nil {
			out.Attributes = map[string]*Attribute{}
		}
		out.Attributes[a.Name] = &Attribute{
			Type: ty, Description: a.Description,
			Required: a.Required, Optional: a.Optional, Computed: a.Computed,
			Sensitive: a.Sensitive, Deprecated: a.Deprecated,
		}
	}
	for _, nb := range b.BlockTypes {
		inner, err := blockFromProto(nb.Block)
		if err != nil {
			return out, fmt.Errorf("block %q: %w", nb.TypeName, err)
		}
		if nb.Nesting < proto.NestedBlock_SINGLE || nb.Nesting > proto.NestedBlock_MAP {
			return out, fmt.Errorf("block %q has an invalid nesting %v", nb.TypeName, nb.Nesting)
		}
		if out.BlockTypes == nil {
			out.BlockTypes = map[string]*NestedBlock{}
		}
		out.BlockTypes[nb.TypeName] = &NestedBlock{Block: inner, Nesting: Nesting(nb.Nesting), MinItems: int(nb.MinItems), MaxItems: int(nb.MaxItems)}
	}
	return out, nil
}

func clusterToProto(c ClusterRef) *proto.ClusterRef {
	return &proto.ClusterRef{Name: c.Name, Application: c.Application, Stack: c.Stack, Detail: c.Detail}
}

func clusterFromProto(c *proto.ClusterRef) ClusterRef {
	if c == nil {
		return ClusterRef{}
	}
	return ClusterRef{Name: c.Name, Application: c.Application, Stack: c.Stack, Detail: c.Detail}
}

func capacityToProto(c Capacity) *proto.Capacity {
	return &proto.Capacity{Min: c.Min, Desired: c.Desired, Max: c.Max}
}

func capacityFromProto(c *proto.Capacity) Capacity {
	if c == nil {
		return Capacity{}
	}
	return Capacity{Min: c.Min, Desired: c.Desired, Max: c.Max}
}

func trafficToProto(t Traffic) *proto.Traffic {
	return &proto.Traffic{Enabled: t.Enabled, Weight: t.Weight}
}

func trafficFromProto(t *proto.Traffic) Traffic {
	if t == nil {
		return Traffic{}
	}
	return Traffic{Enabled: t.Enabled, Weight: t.Weight}
}

func serverGroupToProto(g ServerGroup, spec cty.Type) (*proto.ServerGroup, error) {
	dv, err := encodeValue(g.Spec, spec)
	if err != nil {
		return nil, fmt.Errorf("server group %s spec: %w", g.Name, err)
	}
	var created int64
	if !g.CreatedAt.IsZero() {
		created = g.CreatedAt.UnixMilli()
	}
	return &proto.ServerGroup{
		Name: g.Name, Cluster: clusterToProto(g.Cluster), Sequence: g.Sequence, Spec: dv,
		SpecHash: g.SpecHash, Version: g.Version, Capacity: capacityToProto(g.Capacity),
		Traffic: trafficToProto(g.Traffic), LoadBalancers: g.LoadBalancers, CreatedAtUnixMs: created,
	}, nil
}

func serverGroupFromProto(g *proto.ServerGroup, spec cty.Type) (ServerGroup, error) {
	if g == nil {
		return ServerGroup{}, nil
	}
	v, err := decodeValue(g.Spec, spec)
	if err != nil {
		return ServerGroup{}, fmt.Errorf("server group %s spec: %w", g.Name, err)
	}
	var created time.Time
	if g.CreatedAtUnixMs != 0 {
		created = time.UnixMilli(g.CreatedAtUnixMs)
	}
	return ServerGroup{
		Name: g.Name, Cluster: clusterFromProto(g.Cluster), Sequence: g.Sequence, Spec: v,
		SpecHash: g.SpecHash, Version: g.Version, Capacity: capacityFromProto(g.Capacity),
		Traffic: trafficFromProto(g.Traffic), LoadBalancers: g.LoadBalancers, CreatedAt: created,
	}, nil
}

func durationsToMillis(ds []time.Duration) []float64 {
	if ds == nil {
		return nil
	}
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

func millisToDurations(ms []float64) []time.Duration {
	if ms == nil {
		return nil
	}
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		// Round, not truncate: 249ns is 0.000249 ms, which a float64
		// holds as a hair less, and truncation would give 248ns.
		out[i] = time.Duration(math.Round(m * float64(time.Millisecond)))
	}
	return out
}

func metricsToProto(m ServerGroupMetrics) *proto.ServerGroupMetrics {
	return &proto.ServerGroupMetrics{
		Name: m.Name, Requests: m.Requests, Errors: m.Errors,
		LatencySamplesMs: durationsToMillis(m.LatencySamples),
		LatencyBoundsMs:  durationsToMillis(m.LatencyBounds),
		LatencyCounts:    m.LatencyCounts,
	}
}

func metricsFromProto(m *proto.ServerGroupMetrics) ServerGroupMetrics {
	return ServerGroupMetrics{
		Name: m.Name, Requests: m.Requests, Errors: m.Errors,
		LatencySamples: millisToDurations(m.LatencySamplesMs),
		LatencyBounds:  millisToDurations(m.LatencyBoundsMs),
		LatencyCounts:  m.LatencyCounts,
	}
}

func healthToProto(h InstanceHealth) *proto.InstanceHealth {
	return &proto.InstanceHealth{Id: h.ID, State: proto.InstanceHealth_State(h.State), Reason: h.Reason}
}

func healthFromProto(h *proto.InstanceHealth) InstanceHealth {
	return InstanceHealth{ID: h.Id, State: HealthState(h.State), Reason: h.Reason}
}

func unixMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func toUnixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
