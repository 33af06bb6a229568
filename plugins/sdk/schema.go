package sdk

import (
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Schema is the shape of one object type and its version. Version matters
// only for resource types: state recorded with an older version is passed
// through UpgradeResourceState.
type Schema struct {
	Version int64
	Block   Block
}

// Block is a set of attributes and nested block types, as a user writes it
// in HCL. A nil map means none.
type Block struct {
	Attributes  map[string]*Attribute
	BlockTypes  map[string]*NestedBlock
	Description string
	Deprecated  bool

	// derived is what Freeze lets the block compute once.
	derived *blockDerived
}

// blockDerived is the decoder spec and type of a frozen block, computed on
// first use.
type blockDerived struct {
	once sync.Once
	spec hcldec.Spec
	ty   cty.Type
}

// Freeze promises that the block, its nested blocks and their attributes
// will not change again, so that [Block.DecoderSpec] and
// [Block.ImpliedType] are computed once rather than on every call: the core
// asks for them several times per resource instance, which for ten
// thousand instances was tens of megabytes of garbage. Copies of a frozen
// block share what it computed, so they must not change either. The core
// freezes the schemas it receives; a block that is not frozen computes
// both afresh each time, as before.
func (b *Block) Freeze() {
	if b.derived == nil {
		b.derived = &blockDerived{}
	}
}

// frozen returns the block's computed spec and type, or nil when it is
// not frozen.
func (b *Block) frozen() *blockDerived {
	d := b.derived
	if d == nil {
		return nil
	}
	d.once.Do(func() {
		d.spec = b.buildSpec()
		d.ty = hcldec.ImpliedType(d.spec)
	})
	return d
}

// Attribute is one `name = value` of a block.
//
// Exactly one of Required, Optional and Computed (or Optional together with
// Computed) must be set. Default, PlanModifiers and Validators are used by
// the SDK's planning and validation in the provider process; they do not
// cross the wire. Defaults, plan modifiers and "known after apply" marking
// apply to top-level attributes and to those of single nested blocks; for
// attributes inside list, set and map blocks use Resource.ModifyPlan.
type Attribute struct {
	Type        cty.Type
	Description string
	Required    bool
	Optional    bool
	Computed    bool
	Sensitive   bool
	Deprecated  bool

	// Default is planned when the user leaves the attribute out. The
	// attribute must be Optional and Computed, so the state can hold it.
	Default cty.Value
	// PlanModifiers adjust the planned value, in order; see
	// [RequiresReplace] and [UseStateForUnknown].
	PlanModifiers []PlanModifier
	// Validators check a known, non-null configured value.
	Validators []Validator
	// ConflictsWith names sibling attributes that must not be set together
	// with this one.
	ConflictsWith []string
}

// Nesting says how many blocks of a type may appear and how their values
// are shaped.
type Nesting int

const (
	// NestingSingle is at most one block; its value is an object or null.
	NestingSingle Nesting = iota + 1
	// NestingList is any number of blocks in order; a list of objects.
	NestingList
	// NestingSet is any number of blocks without order; a set of objects.
	NestingSet
	// NestingMap is labelled blocks; a map of objects keyed by label.
	NestingMap
)

func (n Nesting) String() string {
	switch n {
	case NestingSingle:
		return "single"
	case NestingList:
		return "list"
	case NestingSet:
		return "set"
	case NestingMap:
		return "map"
	}
	return fmt.Sprintf("Nesting(%d)", int(n))
}

// NestedBlock is a block type allowed inside a [Block]. MinItems and
// MaxItems limit how many may appear; zero means no limit. A single block
// with MinItems 1 is required.
type NestedBlock struct {
	Block
	Nesting  Nesting
	MinItems int
	MaxItems int
}

// ImpliedType is the cty object type of a value of this block.
func (b *Block) ImpliedType() cty.Type {
	if d := b.frozen(); d != nil {
		return d.ty
	}
	return hcldec.ImpliedType(b.buildSpec())
}

// DecoderSpec is the hcldec specification that decodes an HCL body written
// against this block into a value of [Block.ImpliedType]. The caller must
// not change it.
func (b *Block) DecoderSpec() hcldec.Spec {
	if d := b.frozen(); d != nil {
		return d.spec
	}
	return b.buildSpec()
}

func (b *Block) buildSpec() hcldec.Spec {
	spec := hcldec.ObjectSpec{}
	for name, a := range b.Attributes {
		spec[name] = &hcldec.AttrSpec{Name: name, Type: a.Type, Required: a.Required}
	}
	for name, nb := range b.BlockTypes {
		inner := nb.Block.DecoderSpec()
		switch nb.Nesting {
		case NestingSingle:
			spec[name] = &hcldec.BlockSpec{TypeName: name, Nested: inner, Required: nb.MinItems == 1}
		case NestingList:
			spec[name] = &hcldec.BlockListSpec{TypeName: name, Nested: inner, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
		case NestingSet:
			spec[name] = &hcldec.BlockSetSpec{TypeName: name, Nested: inner, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
		case NestingMap:
			spec[name] = &hcldec.BlockMapSpec{TypeName: name, Nested: inner, LabelNames: []string{"key"}}
		default:
			panic(fmt.Sprintf("block type %q has invalid nesting %v", name, nb.Nesting))
		}
	}
	return spec
}

// Object is a known value of the block's type with the given attributes
// set and every other attribute (and nested block) null. It panics when a
// name is not in the block or a value is not of its attribute's type.
func (b *Block) Object(set map[string]cty.Value) cty.Value {
	ty := b.ImpliedType()
	attrs := map[string]cty.Value{}
	for name, aty := range ty.AttributeTypes() {
		attrs[name] = cty.NullVal(aty)
	}
	for name, v := range set {
		aty, ok := ty.AttributeTypes()[name]
		if !ok {
			panic(fmt.Sprintf("the block has no attribute or block %q", name))
		}
		if !v.Type().Equals(aty) && !(v.IsNull() || aty.Equals(cty.DynamicPseudoType)) {
			panic(fmt.Sprintf("attribute %q is %s, not %s", name, aty.FriendlyName(), v.Type().FriendlyName()))
		}
		attrs[name] = v
	}
	return cty.ObjectVal(attrs)
}

// NullValue is a null value of the block's type.
func (b *Block) NullValue() cty.Value { return cty.NullVal(b.ImpliedType()) }

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate reports every way the block is not a well-formed schema: bad
// names, attributes that are neither required, optional nor computed,
// missing types, defaults on attributes that cannot hold them, nesting
// limits that contradict each other. The errors are sorted.
func (b *Block) Validate() []error {
	var errs []error
	b.validate(cty.Path{}, &errs)
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

func (b *Block) validate(at cty.Path, errs *[]error) {
	fail := func(name, format string, args ...any) {
		*errs = append(*errs, fmt.Errorf("%s: %s", FormatPath(at.GetAttr(name)), fmt.Sprintf(format, args...)))
	}
	for name, a := range b.Attributes {
		if !namePattern.MatchString(name) {
			fail(name, "name must be lower-case letters, digits and underscores, starting with a letter")
		}
		if _, dup := b.BlockTypes[name]; dup {
			fail(name, "name is both an attribute and a block type")
		}
		if a == nil {
			fail(name, "attribute is nil")
			continue
		}
		if a.Type == cty.NilType {
			fail(name, "attribute has no type")
		}
		switch {
		case a.Required && (a.Optional || a.Computed):
			fail(name, "a required attribute cannot also be optional or computed")
		case !a.Required && !a.Optional && !a.Computed:
			fail(name, "attribute must be required, optional or computed")
		}
		if a.Default != cty.NilVal {
			if !a.Optional || !a.Computed {
				fail(name, "an attribute with a default must be optional and computed")
			} else if a.Type != cty.NilType && !a.Default.Type().Equals(a.Type) {
				fail(name, "default is %s, but the attribute is %s", a.Default.Type().FriendlyName(), a.Type.FriendlyName())
			}
		}
		for _, other := range a.ConflictsWith {
			if _, ok := b.Attributes[other]; !ok {
				fail(name, "conflicts with %q, which is not an attribute of this block", other)
			}
		}
	}
	for name, nb := range b.BlockTypes {
		if !namePattern.MatchString(name) {
			fail(name, "name must be lower-case letters, digits and underscores, starting with a letter")
		}
		if nb == nil {
			fail(name, "block type is nil")
			continue
		}
		switch nb.Nesting {
		case NestingSingle:
			if nb.MinItems > 1 || nb.MaxItems > 1 {
				fail(name, "a single block has at most one item")
			}
		case NestingList, NestingSet, NestingMap:
		default:
			fail(name, "invalid nesting %v", nb.Nesting)
		}
		if nb.MinItems < 0 || nb.MaxItems < 0 || (nb.MaxItems > 0 && nb.MinItems > nb.MaxItems) {
			fail(name, "min_items %d and max_items %d are not a valid range", nb.MinItems, nb.MaxItems)
		}
		nb.Block.validate(at.GetAttr(name), errs)
	}
}

// FormatPath renders a path the way a user writes it: `health_check.path`,
// `rule[0].port`, `tags["env"]`.
func FormatPath(p cty.Path) string {
	s := ""
	for _, step := range p {
		switch step := step.(type) {
		case cty.GetAttrStep:
			if s != "" {
				s += "."
			}
			s += step.Name
		case cty.IndexStep:
			// An unknown or null key cannot be rendered; rendering a
			// path must not panic, so it shows as [?].
			if !step.Key.IsKnown() || step.Key.IsNull() {
				s += "[?]"
				continue
			}
			switch step.Key.Type() {
			case cty.String:
				s += fmt.Sprintf("[%q]", step.Key.AsString())
			case cty.Number:
				s += "[" + step.Key.AsBigFloat().String() + "]"
			default:
				s += "[?]"
			}
		}
	}
	return s
}
