package sdk

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Data is a resource's or data source's attributes as vendor code sees
// them: typed getters, Set for the values the provider fills, and the prior
// state for comparisons. What Data holds depends on the call:
//
//   - Create, Update: the planned state; set every computed value.
//   - Read: the recorded state; set what the platform says now, or call
//     [Data.SetGone] when the object no longer exists.
//   - Delete: the recorded state.
//   - Import: an empty object; set enough for Read to find the object.
//   - data source Read: the configuration; set the computed values.
//   - Validate: the configuration, which may hold unknown values.
//
// Getting or setting an attribute the schema does not declare, or setting a
// value that does not convert to its type, is a programming error and
// panics; the SDK's gRPC server (which [Serve] and sdktest run) turns the
// panic into an error diagnostic and keeps serving.
type Data struct {
	block *Block
	// obj holds the values; Set edits it without rebuilding the object
	// each time, since vendor code often sets several in a row.
	obj   objectEdit
	prior cty.Value
	gone  bool
	// modified records that vendor code changed a value with Set.
	modified bool
}

func newData(block *Block, value, prior cty.Value) *Data {
	if value == cty.NilVal || value.IsNull() {
		value = block.Object(nil)
	}
	if prior == cty.NilVal {
		prior = cty.NullVal(value.Type())
	}
	return &Data{block: block, obj: objectEdit{obj: value}, prior: prior}
}

// Get returns the attribute's value as cty, which may be null or unknown.
func (d *Data) Get(name string) cty.Value {
	d.mustHave(name)
	return d.obj.get(name)
}

// IsKnown reports whether the attribute's value is known (not "known after
// apply"). Null values are known.
func (d *Data) IsKnown(name string) bool { return d.Get(name).IsWhollyKnown() }

// IsSet reports whether the attribute has a known, non-null value.
func (d *Data) IsSet(name string) bool {
	v := d.Get(name)
	return v.IsKnown() && !v.IsNull()
}

// String returns a string attribute, or "" when it is null or unknown.
func (d *Data) String(name string) string {
	var s string
	d.decode(name, &s)
	return s
}

// Int returns a number attribute as an int64, or 0 when it is null or
// unknown. A number that is not whole or does not fit an int64 panics
// (which the SDK reports as a provider bug): give an attribute the user
// sets the [WholeNumber] validator, so such a value is the user's error,
// reported at their line, before Int is ever called.
func (d *Data) Int(name string) int64 {
	var n int64
	d.decode(name, &n)
	return n
}

// Float returns a number attribute as a float64, or 0 when null or unknown.
func (d *Data) Float(name string) float64 {
	var f float64
	d.decode(name, &f)
	return f
}

// Bool returns a bool attribute, or false when it is null or unknown.
func (d *Data) Bool(name string) bool {
	var b bool
	d.decode(name, &b)
	return b
}

// Decode decodes the attribute into the Go value target points to, with
// gocty's rules (structs need `cty:"name"` tags). A null or unknown value
// leaves target alone.
func (d *Data) Decode(name string, target any) error {
	v := d.Get(name)
	if v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	if err := gocty.FromCtyValue(v, target); err != nil {
		return fmt.Errorf("attribute %q: %w", name, err)
	}
	return nil
}

func (d *Data) decode(name string, target any) {
	if err := d.Decode(name, target); err != nil {
		panic(err)
	}
}

// Set stores value into the attribute. value may be a cty.Value or a Go
// value gocty can convert (string, int, int64, float64, bool, []string,
// map[string]string, …); nil sets null.
func (d *Data) Set(name string, value any) {
	d.mustHave(name)
	ty := d.obj.obj.Type().AttributeType(name)
	var v cty.Value
	switch value := value.(type) {
	case nil:
		v = cty.NullVal(ty)
	case cty.Value:
		v = value
	case string:
		v = cty.StringVal(value)
	case bool:
		v = cty.BoolVal(value)
	case int:
		v = cty.NumberIntVal(int64(value))
	case int64:
		v = cty.NumberIntVal(value)
	case float64:
		v = cty.NumberFloatVal(value)
	default:
		implied, err := gocty.ImpliedType(value)
		if err != nil {
			panic(fmt.Sprintf("setting attribute %q: %s", name, err))
		}
		v, err = gocty.ToCtyValue(value, implied)
		if err != nil {
			panic(fmt.Sprintf("setting attribute %q: %s", name, err))
		}
	}
	if !v.Type().Equals(ty) {
		converted, err := convert.Convert(v, ty)
		if err != nil {
			panic(fmt.Sprintf("setting attribute %q: %s", name, err))
		}
		v = converted
	}
	if d.obj.set(name, v) {
		d.modified = true
	}
}

// SetGone records, from Read, that the object no longer exists; the core
// then plans to create it again.
func (d *Data) SetGone() { d.gone = true }

// Prior returns the attribute's value in the prior state: during Update the
// recorded value before this change, otherwise null.
func (d *Data) Prior(name string) cty.Value {
	d.mustHave(name)
	if d.prior.IsNull() {
		return cty.NullVal(d.obj.obj.Type().AttributeType(name))
	}
	return d.prior.GetAttr(name)
}

// HasChange reports whether the attribute differs from the prior state.
func (d *Data) HasChange(name string) bool {
	return !equal(d.Prior(name), d.Get(name))
}

// Value is the whole object.
func (d *Data) Value() cty.Value {
	return d.obj.value()
}

func (d *Data) mustHave(name string) {
	if !d.obj.obj.Type().HasAttribute(name) {
		panic(fmt.Sprintf("the schema has no attribute or block %q", name))
	}
}
