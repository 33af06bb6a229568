package sdk

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/msgpack"
	protobuf "google.golang.org/protobuf/proto"

	"github.com/tackhq/tack/plugins/proto"
)

// fuzzBlock has an attribute of every type family and a nested block of
// every nesting, so fuzzed bytes meet every decoding path.
func fuzzBlock() *Block {
	return &Block{
		Attributes: map[string]*Attribute{
			"id":     {Type: cty.String, Computed: true},
			"name":   {Type: cty.String, Required: true},
			"count":  {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(1)},
			"on":     {Type: cty.Bool, Optional: true},
			"args":   {Type: cty.List(cty.String), Optional: true},
			"limits": {Type: cty.Map(cty.Number), Optional: true},
			"zones":  {Type: cty.Set(cty.String), Optional: true},
			"shape":  {Type: cty.Object(map[string]cty.Type{"cpu": cty.Number, "arch": cty.String}), Optional: true},
			"pair":   {Type: cty.Tuple([]cty.Type{cty.String, cty.Number}), Optional: true},
			"any":    {Type: cty.DynamicPseudoType, Optional: true},
		},
		BlockTypes: map[string]*NestedBlock{
			"health": {Nesting: NestingSingle, Block: Block{Attributes: map[string]*Attribute{
				"path":   {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("/")},
				"status": {Type: cty.String, Computed: true},
			}}},
			"rule": {Nesting: NestingList, MaxItems: 3, Block: Block{Attributes: map[string]*Attribute{
				"port": {Type: cty.Number, Required: true},
			}}},
			"peer": {Nesting: NestingSet, Block: Block{Attributes: map[string]*Attribute{
				"addr": {Type: cty.String, Required: true},
			}}},
			"tag": {Nesting: NestingMap, Block: Block{Attributes: map[string]*Attribute{
				"value": {Type: cty.String, Required: true},
			}}},
		},
	}
}

func fuzzSeedValues(ty cty.Type) []cty.Value {
	known := cty.ObjectVal(map[string]cty.Value{
		"id":     cty.StringVal("i-1"),
		"name":   cty.StringVal("web"),
		"count":  cty.NumberIntVal(3),
		"on":     cty.True,
		"args":   cty.ListVal([]cty.Value{cty.StringVal("--port"), cty.StringVal("80")}),
		"limits": cty.MapVal(map[string]cty.Value{"cpu": cty.NumberFloatVal(0.5)}),
		"zones":  cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"shape":  cty.ObjectVal(map[string]cty.Value{"cpu": cty.NumberIntVal(2), "arch": cty.StringVal("arm64")}),
		"pair":   cty.TupleVal([]cty.Value{cty.StringVal("x"), cty.NumberIntVal(1)}),
		"any":    cty.ListVal([]cty.Value{cty.True}),
		"health": cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("/healthz"), "status": cty.StringVal("ok")}),
		"rule":   cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(443)})}),
		"peer":   cty.SetVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"addr": cty.StringVal("10.0.0.1")})}),
		"tag":    cty.MapVal(map[string]cty.Value{"env": cty.ObjectVal(map[string]cty.Value{"value": cty.StringVal("prod")})}),
	})
	partly := map[string]cty.Value{}
	for name, aty := range ty.AttributeTypes() {
		partly[name] = cty.NullVal(aty)
	}
	partly["name"] = cty.StringVal("web")
	partly["id"] = cty.UnknownVal(cty.String)
	partly["count"] = cty.UnknownVal(cty.Number).RefineNotNull()
	partly["args"] = cty.ListVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)})
	partly["rule"] = cty.UnknownVal(ty.AttributeType("rule"))
	partly["any"] = cty.DynamicVal
	partly["tag"] = cty.MapValEmpty(ty.AttributeType("tag").ElementType())
	return []cty.Value{known, cty.ObjectVal(partly), cty.NullVal(ty), cty.UnknownVal(ty)}
}

// FuzzDecodeValue feeds arbitrary bytes to the decoding both ends of the
// wire apply to every DynamicValue. Decoding must never panic; what it
// accepts must conform to the schema's type, encode again, and decode to
// the same value. The provider's validation and planning of such a value
// must not panic either.
func FuzzDecodeValue(f *testing.F) {
	b := fuzzBlock()
	ty := b.ImpliedType()
	seeds := fuzzSeedValues(ty)
	for _, v := range seeds {
		buf, err := msgpack.Marshal(v, ty)
		if err != nil {
			f.Fatalf("encoding seed %#v: %v", v, err)
		}
		f.Add(buf)
	}
	// A list of rule blocks whose second element is an empty map: the
	// decoder panicked building a list of two different object types.
	if seed, err := msgpack.Marshal(fuzzSeedValues(ty)[0], ty); err == nil {
		f.Add(bytes.Replace(seed, []byte("\xa4rule\x91\x81\xa4port\xcd\x01\xbb"), []byte("\xa4rule\x92\x81\xa4port\xcd\x01\xbb\x80"), 1))
	}
	f.Add([]byte{})
	f.Add([]byte{0xc0})                         // nil
	f.Add([]byte{0xd4, 0x00, 0x00})             // fixext1: unknown
	f.Add([]byte{0x81, 0xa1, 'x', 0x01})        // {"x": 1}: an attribute not in the schema
	f.Add([]byte{0xdf, 0xff, 0xff, 0xff, 0xff}) // map32 claiming four billion pairs
	f.Add([]byte{0x92, 0xc4, 0x03, 'a', 'b'})   // truncated array of bin

	p := &Provider{Name: "fuzz", Resources: map[string]*Resource{"fuzz_thing": {Schema: *b}}}
	f.Fuzz(func(t *testing.T, buf []byte) {
		v, err := decodeValue(&proto.DynamicValue{Msgpack: buf}, ty)
		if err != nil {
			return
		}
		if errs := v.Type().TestConformance(ty); len(errs) > 0 {
			t.Fatalf("decoded %#v, which does not conform to the schema: %v", v, errs)
		}
		// One trip may normalise a number: go-cty writes a float64 beyond
		// int64, such as 9331882296111890432, as its shortest decimal
		// string, which reads back as 9331882296111890000. From then on a
		// value must cross unchanged.
		once := roundTrip(t, v, ty)
		if twice := roundTrip(t, once, ty); !twice.RawEquals(once) {
			t.Fatalf("round trip changed the value:\n before: %#v\n after:  %#v", once, twice)
		}

		// Planning decides "no change" with equal, a faster RawEquals:
		// they must agree, or a plan shows a change that is not there
		// (or hides one that is).
		for _, other := range append(seeds, v, once) {
			if got, want := equal(v, other), v.RawEquals(other); got != want {
				t.Fatalf("equal = %v but RawEquals = %v for\n %#v\n %#v", got, want, v, other)
			}
		}

		// The provider side of the same bytes, as config and proposal.
		ctx := t.Context()
		p.ValidateResourceConfig(ctx, ValidateResourceConfigRequest{TypeName: "fuzz_thing", Config: v})
		if !v.IsKnown() {
			// The core never proposes a wholly unknown object.
			return
		}
		for _, prior := range []cty.Value{cty.NullVal(ty), v} {
			p.PlanResourceChange(ctx, PlanResourceChangeRequest{
				TypeName: "fuzz_thing", PriorState: prior, Config: v,
				ProposedNewState: ProposedNewState(b, prior, v),
			})
		}
	})
}

func roundTrip(t *testing.T, v cty.Value, ty cty.Type) cty.Value {
	t.Helper()
	dv, err := encodeValue(v, ty)
	if err != nil {
		t.Fatalf("decoded %#v, which does not encode again: %v", v, err)
	}
	again, err := decodeValue(dv, ty)
	if err != nil {
		t.Fatalf("re-encoded %#v does not decode: %v", v, err)
	}
	return again
}

// FuzzSchemaFromProto feeds arbitrary bytes, as a GetSchema response
// carries them, to the client's schema decoding. It must never panic, and
// a schema it accepts must be usable the way the core uses it: its type,
// its HCL decoder spec, its validation, and sending it again unchanged.
func FuzzSchemaFromProto(f *testing.F) {
	seed, err := schemaToProto(Schema{Version: 3, Block: *fuzzBlock()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []*proto.Schema{
		seed,
		{},
		{Block: &proto.Block{}},
		{Block: &proto.Block{Attributes: []*proto.Attribute{{Name: "a", Type: []byte(`"string"`), Optional: true}, {Name: "a", Type: []byte(`"number"`), Required: true}}}},
		{Block: &proto.Block{Attributes: []*proto.Attribute{{Name: "x", Type: []byte(`["object",{"a":"string"},["a"]]`), Optional: true}}}},
		{Block: &proto.Block{Attributes: []*proto.Attribute{{Name: "x", Type: []byte(`null`)}}}},
		{Block: &proto.Block{Attributes: []*proto.Attribute{{Name: "x", Type: []byte(`"dynamic"`), Computed: true}}, BlockTypes: []*proto.NestedBlock{{TypeName: "x", Nesting: proto.NestedBlock_LIST}}}},
		{Block: &proto.Block{BlockTypes: []*proto.NestedBlock{{TypeName: "b", Nesting: proto.NestedBlock_SET, MinItems: -1, MaxItems: 1 << 40}}}},
		{Block: &proto.Block{BlockTypes: []*proto.NestedBlock{{TypeName: "b", Nesting: proto.NestedBlock_Nesting(7)}}}},
		{Block: &proto.Block{BlockTypes: []*proto.NestedBlock{{TypeName: "b", Nesting: proto.NestedBlock_MAP, Block: &proto.Block{BlockTypes: []*proto.NestedBlock{{TypeName: "c", Nesting: proto.NestedBlock_SINGLE}}}}}}},
	} {
		buf, err := protobuf.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(buf)
	}
	f.Add([]byte{0x12, 0x05, 0x0a, 0x03, 0x12, 0x01, 0x7b}) // an attribute whose type is "{"

	f.Fuzz(func(t *testing.T, buf []byte) {
		var ps proto.Schema
		if err := protobuf.Unmarshal(buf, &ps); err != nil {
			return
		}
		s, err := schemaFromProto(&ps)
		if err != nil {
			return
		}
		ty := s.Block.ImpliedType()
		_ = s.Block.DecoderSpec()
		_ = s.Block.Validate()
		null := s.Block.NullValue()
		if !null.Type().Equals(ty) {
			t.Fatalf("NullValue has type %#v, ImpliedType is %#v", null.Type(), ty)
		}
		if _, err := encodeValue(s.Block.Object(nil), ty); err != nil {
			t.Fatalf("an empty object of the schema does not encode: %v", err)
		}
		again, err := schemaToProto(s)
		if err != nil {
			t.Fatalf("an accepted schema cannot be sent again: %v", err)
		}
		s2, err := schemaFromProto(again)
		if err != nil {
			t.Fatalf("a schema sent again is refused: %v", err)
		}
		if diff := cmp.Diff(s, s2, CmpOptions); diff != "" {
			t.Fatalf("schema changed on a second trip (-first +second):\n%s", diff)
		}
	})
}
