package sdk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

func dataSchema() *Block {
	return &Block{Attributes: map[string]*Attribute{
		"name":  {Type: cty.String, Optional: true},
		"count": {Type: cty.Number, Optional: true},
		"ratio": {Type: cty.Number, Optional: true},
		"on":    {Type: cty.Bool, Optional: true},
		"ports": {Type: cty.List(cty.Number), Optional: true},
		"tags":  {Type: cty.Map(cty.String), Optional: true},
		"id":    {Type: cty.String, Computed: true},
	}}
}

// dataValue is an object of dataSchema's type with the given attributes and
// the rest null.
func dataValue(attrs map[string]cty.Value) cty.Value {
	out := map[string]cty.Value{}
	for name, ty := range dataSchema().ImpliedType().AttributeTypes() {
		out[name] = cty.NullVal(ty)
		if v, ok := attrs[name]; ok {
			out[name] = v
		}
	}
	return cty.ObjectVal(out)
}

func TestDataGetters(t *testing.T) {
	t.Parallel()
	known := newData(dataSchema(), dataValue(map[string]cty.Value{
		"name": cty.StringVal("web"), "count": cty.NumberIntVal(3), "ratio": cty.NumberFloatVal(0.25), "on": cty.True,
	}), cty.NilVal)
	null := newData(dataSchema(), dataValue(nil), cty.NilVal)
	unknown := newData(dataSchema(), dataValue(map[string]cty.Value{
		"name": cty.UnknownVal(cty.String), "count": cty.UnknownVal(cty.Number), "ratio": cty.UnknownVal(cty.Number), "on": cty.UnknownVal(cty.Bool),
	}), cty.NilVal)
	type got struct {
		String         string
		Int            int64
		Float          float64
		Bool           bool
		IsKnown, IsSet bool
	}
	read := func(d *Data, name string) got {
		g := got{IsKnown: d.IsKnown(name), IsSet: d.IsSet(name)}
		switch name {
		case "name":
			g.String = d.String(name)
		case "count":
			g.Int = d.Int(name)
		case "ratio":
			g.Float = d.Float(name)
		case "on":
			g.Bool = d.Bool(name)
		}
		return g
	}
	tests := []struct {
		name string
		d    *Data
		attr string
		want got
	}{
		{"known string", known, "name", got{String: "web", IsKnown: true, IsSet: true}},
		{"known int", known, "count", got{Int: 3, IsKnown: true, IsSet: true}},
		{"known float", known, "ratio", got{Float: 0.25, IsKnown: true, IsSet: true}},
		{"known bool", known, "on", got{Bool: true, IsKnown: true, IsSet: true}},
		{"null string", null, "name", got{IsKnown: true}},
		{"null int", null, "count", got{IsKnown: true}},
		{"null float", null, "ratio", got{IsKnown: true}},
		{"null bool", null, "on", got{IsKnown: true}},
		{"unknown string", unknown, "name", got{}},
		{"unknown int", unknown, "count", got{}},
		{"unknown float", unknown, "ratio", got{}},
		{"unknown bool", unknown, "on", got{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, read(tt.d, tt.attr)); diff != "" {
				t.Errorf("getters of %s (-want +got):\n%s", tt.attr, diff)
			}
		})
	}
}

func TestDataDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   cty.Value
		want    []int64
		wantErr bool
	}{
		{name: "known", value: cty.ListVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(443)}), want: []int64{80, 443}},
		{name: "null leaves the target alone", value: cty.NullVal(cty.List(cty.Number)), want: []int64{7}},
		{name: "unknown leaves the target alone", value: cty.UnknownVal(cty.List(cty.Number)), want: []int64{7}},
		{name: "partly unknown leaves the target alone", value: cty.ListVal([]cty.Value{cty.NumberIntVal(80), cty.UnknownVal(cty.Number)}), want: []int64{7}},
		{name: "a fraction does not fit an integer", value: cty.ListVal([]cty.Value{cty.NumberFloatVal(1.5)}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newData(dataSchema(), dataValue(map[string]cty.Value{"ports": tt.value}), cty.NilVal)
			got := []int64{7}
			err := d.Decode("ports", &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Decode error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), `"ports"`) {
					t.Errorf("Decode error %q does not name the attribute", err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDataSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		attr  string
		value any
		want  cty.Value
	}{
		{"Go string", "name", "web", cty.StringVal("web")},
		{"Go int", "count", 3, cty.NumberIntVal(3)},
		{"Go int64", "count", int64(1) << 40, cty.NumberIntVal(1 << 40)},
		{"Go float64", "ratio", 0.5, cty.NumberFloatVal(0.5)},
		{"Go bool", "on", true, cty.True},
		{"Go slice into a list", "ports", []int{80, 443}, cty.ListVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(443)})},
		{"Go map", "tags", map[string]string{"env": "prod"}, cty.MapVal(map[string]cty.Value{"env": cty.StringVal("prod")})},
		{"empty Go map", "tags", map[string]string{}, cty.MapValEmpty(cty.String)},
		{"cty value", "name", cty.StringVal("api"), cty.StringVal("api")},
		{"cty value converted to the attribute's type", "name", cty.NumberIntVal(42), cty.StringVal("42")},
		{"cty unknown", "id", cty.UnknownVal(cty.String), cty.UnknownVal(cty.String)},
		{"nil sets null", "name", nil, cty.NullVal(cty.String)},
		{"computed attribute", "id", "i-123", cty.StringVal("i-123")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newData(dataSchema(), dataValue(map[string]cty.Value{"name": cty.StringVal("before")}), cty.NilVal)
			d.Set(tt.attr, tt.value)
			if diff := cmp.Diff(tt.want, d.Get(tt.attr), CmpOptions); diff != "" {
				t.Errorf("after Set(%q, %#v) (-want +got):\n%s", tt.attr, tt.value, diff)
			}
			// The rest of the object is untouched.
			for name := range d.Value().Type().AttributeTypes() {
				if name == tt.attr {
					continue
				}
				want := cty.NullVal(d.Value().Type().AttributeType(name))
				if name == "name" {
					want = cty.StringVal("before")
				}
				if !d.Get(name).RawEquals(want) {
					t.Errorf("Set(%q) changed %s to %#v", tt.attr, name, d.Get(name))
				}
			}
		})
	}
}

// An empty Data, as Import gets it, takes values.
func TestDataSetOnEmpty(t *testing.T) {
	t.Parallel()
	d := newData(dataSchema(), cty.NilVal, cty.NilVal)
	d.Set("id", "i-9")
	want := dataValue(map[string]cty.Value{"id": cty.StringVal("i-9")})
	if diff := cmp.Diff(want, d.Value(), CmpOptions); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
}

func TestDataPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(d *Data)
		want string
	}{
		{"Set of an undeclared attribute", func(d *Data) { d.Set("nmae", "x") }, `"nmae"`},
		{"Get of an undeclared attribute", func(d *Data) { d.Get("nmae") }, `"nmae"`},
		{"HasChange of an undeclared attribute", func(d *Data) { d.HasChange("nmae") }, `"nmae"`},
		{"Set of a value that does not convert", func(d *Data) { d.Set("count", "many") }, `"count"`},
		{"Set of a Go value cty cannot hold", func(d *Data) { d.Set("name", make(chan int)) }, `"name"`},
		{"String of a number attribute", func(d *Data) { d.String("count") }, `"count"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newData(dataSchema(), dataValue(map[string]cty.Value{"count": cty.NumberIntVal(1)}), cty.NilVal)
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("no panic; a programming error must not pass silently")
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q does not name %s", msg, tt.want)
				}
			}()
			tt.call(d)
		})
	}
}

func TestDataHasChange(t *testing.T) {
	t.Parallel()
	prior := dataValue(map[string]cty.Value{"name": cty.StringVal("a"), "count": cty.NumberIntVal(1), "id": cty.StringVal("i-1")})
	planned := dataValue(map[string]cty.Value{"name": cty.StringVal("b"), "count": cty.NumberIntVal(1), "id": cty.StringVal("i-1")})
	tests := []struct {
		name       string
		prior      cty.Value
		attr       string
		wantChange bool
		wantPrior  cty.Value
	}{
		{"changed", prior, "name", true, cty.StringVal("a")},
		{"unchanged", prior, "count", false, cty.NumberIntVal(1)},
		{"null both times", prior, "ratio", false, cty.NullVal(cty.Number)},
		{"no prior state: every set attribute is a change", cty.NilVal, "count", true, cty.NullVal(cty.Number)},
		{"no prior state: a null attribute is not", cty.NilVal, "ratio", false, cty.NullVal(cty.Number)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newData(dataSchema(), planned, tt.prior)
			if got := d.HasChange(tt.attr); got != tt.wantChange {
				t.Errorf("HasChange(%q) = %v, want %v", tt.attr, got, tt.wantChange)
			}
			if diff := cmp.Diff(tt.wantPrior, d.Prior(tt.attr), CmpOptions); diff != "" {
				t.Errorf("Prior(%q) (-want +got):\n%s", tt.attr, diff)
			}
		})
	}
}
