package state

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/config/addrs"
)

//go:generate go run golang.org/x/tools/cmd/stringer@v0.49.0 -type ObjectStatus

// ObjectStatus says whether a recorded object can be trusted. The zero
// value is ObjectInvalid, so a status left unset is caught on write rather
// than read as ready.
type ObjectStatus rune

const (
	ObjectInvalid ObjectStatus = 0

	// ObjectReady is an object whose create or update completed.
	ObjectReady ObjectStatus = 'R'

	// ObjectTainted is an object whose create or update failed part way,
	// or that the user marked for replacement: the next plan replaces it.
	ObjectTainted ObjectStatus = 'T'
)

// SensitiveMark is the cty mark [ObjectSrc.Decode] puts on sensitive values
// and [Object.Encode] records as sensitive paths.
const SensitiveMark = "sensitive"

// ObjectSrc is a recorded object in encoded form. Only the planner knows
// the resource type's schema, so it decodes the object with
// [ObjectSrc.Decode] when it needs the values.
type ObjectSrc struct {
	// SchemaVersion is the version of the resource type's schema the
	// attributes were written with; the provider upgrades older ones.
	SchemaVersion int64

	// AttrsJSON is the object as a JSON object, as go-cty's json package
	// writes it for the schema's implied type.
	AttrsJSON []byte

	// SensitivePaths are the attribute paths whose values are sensitive.
	SensitivePaths []cty.Path

	// Dependencies are the resources this object's configuration referred
	// to directly when it was last applied, sorted and without duplicates.
	// Only direct ones are kept, so the state grows linearly with the
	// number of resources; the planner derives the rest from the graph.
	Dependencies []addrs.ConfigResource

	Status              ObjectStatus
	CreateBeforeDestroy bool
}

// DeepCopy returns a copy of o that shares nothing mutable with it.
func (o *ObjectSrc) DeepCopy() *ObjectSrc {
	if o == nil {
		return nil
	}
	ret := *o
	ret.AttrsJSON = slices.Clone(o.AttrsJSON)
	if o.SensitivePaths != nil {
		ret.SensitivePaths = make([]cty.Path, len(o.SensitivePaths))
		for i, p := range o.SensitivePaths {
			ret.SensitivePaths[i] = p.Copy()
		}
	}
	ret.Dependencies = slices.Clone(o.Dependencies)
	return &ret
}

// Decode decodes o's attributes with ty, the implied type of the resource
// type's schema, and marks the values at o's sensitive paths with
// [SensitiveMark].
func (o *ObjectSrc) Decode(ty cty.Type) (*Object, error) {
	val, err := decodeAttrs(o.AttrsJSON, ty)
	if err != nil {
		return nil, fmt.Errorf("decoding recorded attributes: %w", err)
	}
	if len(o.SensitivePaths) > 0 {
		pvm := make([]cty.PathValueMarks, len(o.SensitivePaths))
		for i, p := range o.SensitivePaths {
			pvm[i] = cty.PathValueMarks{Path: p, Marks: cty.NewValueMarks(SensitiveMark)}
		}
		val = val.MarkWithPaths(pvm)
	}
	return &Object{
		Value:               val,
		Status:              o.Status,
		Dependencies:        slices.Clone(o.Dependencies),
		CreateBeforeDestroy: o.CreateBeforeDestroy,
	}, nil
}

// Object is a recorded object in decoded form.
type Object struct {
	// Value is the object, wholly known; sensitive values carry
	// [SensitiveMark].
	Value               cty.Value
	Status              ObjectStatus
	Dependencies        []addrs.ConfigResource
	CreateBeforeDestroy bool
}

// Encode encodes o for recording, with ty the implied type of the resource
// type's schema at schemaVersion. Marks are removed; the paths of values
// marked with [SensitiveMark] are recorded, other marks are dropped.
// Dependencies are sorted and deduplicated. An unknown value anywhere in o
// is an error: the state only ever records what is known.
func (o *Object) Encode(ty cty.Type, schemaVersion int64) (*ObjectSrc, error) {
	if o.Status != ObjectReady && o.Status != ObjectTainted {
		return nil, fmt.Errorf("encoding object: status %s is neither ObjectReady nor ObjectTainted", o.Status)
	}
	val, pvms := o.Value.UnmarkDeepWithPaths()
	if !val.IsWhollyKnown() {
		return nil, fmt.Errorf("encoding object: %s is unknown; the state records only known values", unknownPath(val))
	}
	attrs, err := ctyjson.Marshal(val, ty)
	if err != nil {
		return nil, fmt.Errorf("encoding object: %w", err)
	}
	var paths []cty.Path
	for _, pvm := range pvms {
		if pvm.Marks.Has(SensitiveMark) {
			paths = append(paths, pvm.Path)
		}
	}
	return &ObjectSrc{
		SchemaVersion:       schemaVersion,
		AttrsJSON:           attrs,
		SensitivePaths:      paths,
		Dependencies:        sortDependencies(slices.Clone(o.Dependencies)),
		Status:              o.Status,
		CreateBeforeDestroy: o.CreateBeforeDestroy,
	}, nil
}

// sortDependencies returns deps sorted and without duplicates: deps itself
// when it already is, as it nearly always is, or else a sorted copy.
func sortDependencies(deps []addrs.ConfigResource) []addrs.ConfigResource {
	if len(deps) == 0 {
		return nil
	}
	sorted := true
	for i := 1; i < len(deps) && sorted; i++ {
		sorted = compareConfigResource(deps[i-1], deps[i]) < 0
	}
	if sorted {
		return deps
	}
	ret := slices.Clone(deps)
	slices.SortFunc(ret, compareConfigResource)
	return slices.CompactFunc(ret, addrs.ConfigResource.Equal)
}

// compareConfigResource orders resource blocks as AbsResource.Less orders
// resources: by module path, then mode, type and name.
func compareConfigResource(a, b addrs.ConfigResource) int {
	return cmpLess(asAbs(a), asAbs(b))
}

func asAbs(c addrs.ConfigResource) addrs.AbsResource {
	var m addrs.ModuleInstance
	for _, name := range c.Module {
		m = append(m, addrs.ModuleInstanceStep{Name: name})
	}
	return c.Resource.Absolute(m)
}

// unknownPath finds the first unknown value in val, for an error message.
func unknownPath(val cty.Value) string {
	found := "a value"
	_ = cty.Walk(val, func(p cty.Path, v cty.Value) (bool, error) {
		if !v.IsKnown() {
			found = formatPath(p)
			return false, errStop
		}
		return true, nil
	})
	return found
}

var errStop = errors.New("stop")

// formatPath renders p as a user reads an attribute path: content,
// rule[0].port, tags["env"]. The empty path is "the whole value".
func formatPath(p cty.Path) string {
	if len(p) == 0 {
		return "the whole value"
	}
	var b strings.Builder
	for _, step := range p {
		switch step := step.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(step.Name)
		case cty.IndexStep:
			switch {
			case step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull():
				fmt.Fprintf(&b, "[%q]", step.Key.AsString())
			case step.Key.Type() == cty.Number && step.Key.IsKnown() && !step.Key.IsNull():
				fmt.Fprintf(&b, "[%s]", step.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[…]")
			}
		default:
			b.WriteString("…")
		}
	}
	return b.String()
}
