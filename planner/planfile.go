package planner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"github.com/zclconf/go-cty/cty/msgpack"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// planFileVersion is the format of saved plans this tack writes and reads.
// Version 2 added the table of types the values of resource changes name
// (see [typeTable]); version 1 files are read as before.
const planFileVersion = 2

// ErrNotPlanFile is returned (wrapped in a [*PlanFileError]) for bytes
// that are not a saved plan at all, or a damaged one.
var ErrNotPlanFile = errors.New("not a tack plan file")

// PlanFileError says what is wrong with a saved plan.
type PlanFileError struct {
	Reason string
	Err    error
}

func (e *PlanFileError) Error() string {
	if e.Err != nil && !errors.Is(e.Err, ErrNotPlanFile) {
		return "reading saved plan: " + e.Reason + ": " + e.Err.Error()
	}
	return "reading saved plan: " + e.Reason
}

func (e *PlanFileError) Unwrap() error { return e.Err }

func planFileErr(reason string, err error) error {
	if err == nil {
		err = ErrNotPlanFile
	}
	return &PlanFileError{Reason: reason, Err: err}
}

// planFile is the serialized form of a [Plan]: values are msgpack (which
// keeps unknowns) with their sensitive paths beside them, the prior state
// is a state file, schemas are plain JSON.
type planFile struct {
	FormatVersion int                             `json:"format_version"`
	TackVersion   string                          `json:"tack_version"`
	Mode          string                          `json:"mode"`
	Lineage       string                          `json:"lineage"`
	Serial        uint64                          `json:"serial"`
	ConfigHash    string                          `json:"config_hash"`
	Variables     map[string]valueSrc             `json:"variables,omitempty"`
	Targets       []string                        `json:"targets,omitempty"`
	Changes       []changeSrc                     `json:"changes,omitempty"`
	Drift         []changeSrc                     `json:"drift,omitempty"`
	Outputs       []outputSrc                     `json:"outputs,omitempty"`
	Clusters      []clusterChangeSrc              `json:"clusters,omitempty"`
	ClusterDrift  []clusterDriftSrc               `json:"cluster_drift,omitempty"`
	Guardrails    []guardrailCheckSrc             `json:"guardrails,omitempty"`
	Verdicts      []verdictSrc                    `json:"verdicts,omitempty"`
	PriorState    json.RawMessage                 `json:"prior_state"`
	Schemas       map[string]map[string]*blockSrc `json:"schemas,omitempty"`
	Types         []json.RawMessage               `json:"types,omitempty"`
	Errored       bool                            `json:"errored,omitempty"`
	Created       time.Time                       `json:"created"`
}

// valueSrc is one value: msgpack of the value with its type, and the
// paths of its sensitive parts.
type valueSrc struct {
	Msgpack []byte `json:"msgpack"`
	// Type is the index in the file's types of the type the value is
	// encoded against; without it the value is msgpack of
	// cty.DynamicPseudoType, which carries its own type.
	Type      *int        `json:"type,omitempty"`
	Sensitive [][]stepSrc `json:"sensitive,omitempty"`
}

// typeTable lists once the types of the values of a plan file's resource
// changes, which name them by index. msgpack's dynamic encoding carries
// each value's type as JSON beside it, and parsing twenty thousand of
// them was 6% of applying a saved plan of ten thousand changes; a plan's
// changes have a handful of types.
type typeTable struct {
	index map[string]int // writing: the JSON of each type listed
	json  []json.RawMessage
	types []cty.Type // reading
}

// readTypeTable parses the types of a plan file.
func readTypeTable(raw []json.RawMessage) (tt *typeTable, err error) {
	// cty panics on some type descriptions it cannot build.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged type: %v", r)
		}
	}()
	tt = &typeTable{types: make([]cty.Type, len(raw))}
	for i, j := range raw {
		if err := tt.types[i].UnmarshalJSON(j); err != nil {
			return nil, fmt.Errorf("type %d: %w", i, err)
		}
	}
	return tt, nil
}

// encode is encodeValue against v's own type, listed in the table.
func (tt *typeTable) encode(v cty.Value) (valueSrc, error) {
	if v == cty.NilVal {
		v = cty.NullVal(cty.DynamicPseudoType)
	}
	ty := v.Type()
	j, err := ty.MarshalJSON()
	if err != nil {
		return valueSrc{}, err
	}
	i, ok := tt.index[string(j)]
	if !ok {
		i = len(tt.json)
		tt.index[string(j)] = i
		tt.json = append(tt.json, j)
	}
	vs, err := encodeAs(v, ty)
	vs.Type = &i
	return vs, err
}

// decode is decodeValue for a value that may name its type in the table.
func (tt *typeTable) decode(vs valueSrc) (cty.Value, error) {
	if vs.Type == nil {
		return decodeValue(vs)
	}
	if *vs.Type < 0 || *vs.Type >= len(tt.types) {
		return cty.NilVal, fmt.Errorf("the value names type %d, and the plan lists %d", *vs.Type, len(tt.types))
	}
	return decodeAs(vs, tt.types[*vs.Type])
}

type stepSrc struct {
	Attr  *string         `json:"attr,omitempty"`
	Index json.RawMessage `json:"index,omitempty"`
}

type changeSrc struct {
	Addr            string      `json:"addr"`
	PrevRunAddr     string      `json:"prev_run_addr,omitempty"`
	Deposed         string      `json:"deposed,omitempty"`
	Provider        string      `json:"provider"`
	ProviderAlias   string      `json:"provider_alias,omitempty"`
	Action          string      `json:"action"`
	Reason          string      `json:"reason,omitempty"`
	Before          valueSrc    `json:"before"`
	After           valueSrc    `json:"after"`
	RequiredReplace [][]stepSrc `json:"required_replace,omitempty"`
	Private         []byte      `json:"private,omitempty"`
	ImportID        *string     `json:"import_id,omitempty"`
	SchemaVersion   int64       `json:"schema_version"`
	ConfigDigest    []byte      `json:"config_digest,omitempty"`
}

type outputSrc struct {
	Name      string   `json:"name"`
	Action    string   `json:"action"`
	Before    valueSrc `json:"before"`
	After     valueSrc `json:"after"`
	Sensitive bool     `json:"sensitive,omitempty"`
}

type blockSrc struct {
	Attributes map[string]*attrSrc   `json:"attributes,omitempty"`
	Blocks     map[string]*nestedSrc `json:"blocks,omitempty"`
}

type attrSrc struct {
	Type      json.RawMessage `json:"type"`
	Required  bool            `json:"required,omitempty"`
	Optional  bool            `json:"optional,omitempty"`
	Computed  bool            `json:"computed,omitempty"`
	Sensitive bool            `json:"sensitive,omitempty"`
}

type nestedSrc struct {
	Block    *blockSrc `json:"block"`
	Nesting  int       `json:"nesting"`
	MinItems int       `json:"min_items,omitempty"`
	MaxItems int       `json:"max_items,omitempty"`
}

var actionNames = map[Action]string{}

func init() {
	for _, a := range []Action{NoOp, Create, Read, Update, DeleteThenCreate, CreateThenDelete, Delete} {
		actionNames[a] = a.String()
	}
}

func actionByName(s string) (Action, bool) {
	for a, n := range actionNames {
		if n == s {
			return a, true
		}
	}
	return NoOp, false
}

func reasonByName(s string) (Reason, bool) {
	for r := NoReason; r <= ReadBecauseDependencyPending; r++ {
		if r.String() == s {
			return r, true
		}
	}
	return NoReason, false
}

// WritePlanFile saves p; [ReadPlanFile] reads it back to an equal plan.
func WritePlanFile(w io.Writer, p *Plan, tackVersion string) error {
	f := planFile{
		FormatVersion: planFileVersion,
		TackVersion:   tackVersion,
		Mode:          p.Mode.String(),
		Lineage:       p.Lineage,
		Serial:        p.Serial,
		ConfigHash:    p.ConfigHash,
		Variables:     map[string]valueSrc{},
		Errored:       p.Errored,
		Created:       p.Created.UTC(),
		Schemas:       map[string]map[string]*blockSrc{},
	}
	var err error
	for name, v := range p.Variables {
		if f.Variables[name], err = encodeValue(v); err != nil {
			return fmt.Errorf("saving plan: variable %s: %w", name, err)
		}
	}
	for _, t := range p.Targets {
		f.Targets = append(f.Targets, t.String())
	}
	types := &typeTable{index: map[string]int{}}
	for _, set := range []struct {
		in  []*ResourceChange
		out *[]changeSrc
	}{{p.Changes, &f.Changes}, {p.Drift, &f.Drift}} {
		for _, c := range set.in {
			cs, err := encodeChange(c, types)
			if err != nil {
				return fmt.Errorf("saving plan: %s: %w", c.Addr, err)
			}
			*set.out = append(*set.out, cs)
		}
	}
	f.Types = types.json
	for _, o := range p.Outputs {
		osrc := outputSrc{Name: o.Name, Action: o.Action.String(), Sensitive: o.Sensitive}
		if osrc.Before, err = encodeValue(o.Before); err != nil {
			return fmt.Errorf("saving plan: output %s: %w", o.Name, err)
		}
		if osrc.After, err = encodeValue(o.After); err != nil {
			return fmt.Errorf("saving plan: output %s: %w", o.Name, err)
		}
		f.Outputs = append(f.Outputs, osrc)
	}
	for source, types := range p.Schemas {
		f.Schemas[source] = map[string]*blockSrc{}
		for name, b := range types {
			bs, err := encodeBlock(b)
			if err != nil {
				return fmt.Errorf("saving plan: schema of %s: %w", name, err)
			}
			f.Schemas[source][name] = bs
		}
	}
	for _, c := range p.Clusters {
		cs, err := encodeClusterChange(c)
		if err != nil {
			return fmt.Errorf("saving plan: %s: %w", c.Addr, err)
		}
		f.Clusters = append(f.Clusters, cs)
	}
	for _, d := range p.ClusterDrift {
		f.ClusterDrift = append(f.ClusterDrift, clusterDriftSrc{Cluster: d.Cluster, Group: d.Group, Change: d.Change})
	}
	encodeRailings(p, &f)
	prior := p.PriorState
	if prior == nil {
		prior = state.New()
	}
	var buf bytes.Buffer
	if err := state.WriteFile(&buf, prior, tackVersion); err != nil {
		return fmt.Errorf("saving plan: %w", err)
	}
	f.PriorState = buf.Bytes()
	enc := json.NewEncoder(w)
	return enc.Encode(f)
}

// ReadPlanFile reads a saved plan. Bytes that are not one, or a damaged
// one, give a [*PlanFileError]; it never panics.
func ReadPlanFile(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	var f planFile
	if err := dec.Decode(&f); err != nil {
		return nil, planFileErr("the file is not a saved plan", err)
	}
	if f.FormatVersion == 0 {
		return nil, planFileErr("the file is not a saved plan (no format_version)", nil)
	}
	if f.FormatVersion > planFileVersion {
		return nil, planFileErr(fmt.Sprintf("plan format version %d is newer than this tack reads (%d); apply it with the tack version that made it (%s)", f.FormatVersion, planFileVersion, f.TackVersion), nil)
	}
	p := &Plan{
		Lineage: f.Lineage, Serial: f.Serial, ConfigHash: f.ConfigHash, Errored: f.Errored, Created: f.Created,
		Variables: map[string]cty.Value{}, Schemas: map[string]map[string]*sdk.Block{},
	}
	switch f.Mode {
	case "normal":
		p.Mode = NormalMode
	case "destroy":
		p.Mode = DestroyMode
	case "refresh-only":
		p.Mode = RefreshOnlyMode
	default:
		return nil, planFileErr(fmt.Sprintf("unknown mode %q", f.Mode), nil)
	}
	var err error
	for name, vs := range f.Variables {
		if p.Variables[name], err = decodeValue(vs); err != nil {
			return nil, planFileErr("variable "+name, err)
		}
	}
	for _, t := range f.Targets {
		a, diags := addrs.ParseAbsResourceInstanceStr(t)
		if diags.HasErrors() {
			return nil, planFileErr("target "+t, diags)
		}
		p.Targets = append(p.Targets, a)
	}
	types, err := readTypeTable(f.Types)
	if err != nil {
		return nil, planFileErr("types", err)
	}
	for _, set := range []struct {
		in  []changeSrc
		out *[]*ResourceChange
	}{{f.Changes, &p.Changes}, {f.Drift, &p.Drift}} {
		for _, cs := range set.in {
			c, err := decodeChange(cs, types)
			if err != nil {
				return nil, planFileErr("change of "+cs.Addr, err)
			}
			*set.out = append(*set.out, c)
		}
	}
	for _, osrc := range f.Outputs {
		a, ok := actionByName(osrc.Action)
		if !ok {
			return nil, planFileErr("output "+osrc.Name, fmt.Errorf("unknown action %q", osrc.Action))
		}
		o := &OutputChange{Name: osrc.Name, Action: a, Sensitive: osrc.Sensitive}
		if o.Before, err = decodeValue(osrc.Before); err != nil {
			return nil, planFileErr("output "+osrc.Name, err)
		}
		if o.After, err = decodeValue(osrc.After); err != nil {
			return nil, planFileErr("output "+osrc.Name, err)
		}
		p.Outputs = append(p.Outputs, o)
	}
	for _, cs := range f.Clusters {
		c, err := decodeClusterChange(cs)
		if err != nil {
			return nil, planFileErr("change of "+cs.Addr, err)
		}
		p.Clusters = append(p.Clusters, c)
	}
	for _, d := range f.ClusterDrift {
		p.ClusterDrift = append(p.ClusterDrift, &ClusterDrift{Cluster: d.Cluster, Group: d.Group, Change: d.Change})
	}
	if err := decodeRailings(&f, p); err != nil {
		return nil, err
	}
	for source, types := range f.Schemas {
		p.Schemas[source] = map[string]*sdk.Block{}
		for name, bs := range types {
			b, err := decodeBlock(bs, 0)
			if err != nil {
				return nil, planFileErr("schema of "+name, err)
			}
			b.Freeze()
			p.Schemas[source][name] = b
		}
	}
	if len(f.PriorState) == 0 {
		return nil, planFileErr("the plan holds no prior state", nil)
	}
	if p.PriorState, err = state.ReadFile(bytes.NewReader(f.PriorState)); err != nil {
		return nil, planFileErr("prior state", err)
	}
	return p, nil
}

func encodeChange(c *ResourceChange, types *typeTable) (changeSrc, error) {
	cs := changeSrc{
		Addr: c.Addr.String(), Deposed: string(c.Deposed), Provider: c.Provider.Source, ProviderAlias: c.Provider.Alias,
		Action: c.Action.String(), Reason: c.Reason.String(), Private: c.Private, SchemaVersion: c.SchemaVersion,
		ConfigDigest: c.ConfigDigest,
	}
	if c.Moved() {
		cs.PrevRunAddr = c.PrevRunAddr.String()
	}
	if c.Importing != nil {
		cs.ImportID = &c.Importing.ID
	}
	var err error
	if cs.Before, err = types.encode(c.Before); err != nil {
		return cs, err
	}
	if cs.After, err = types.encode(c.After); err != nil {
		return cs, err
	}
	for _, p := range c.RequiredReplace {
		ps, err := encodePath(p)
		if err != nil {
			return cs, err
		}
		cs.RequiredReplace = append(cs.RequiredReplace, ps)
	}
	return cs, nil
}

func decodeChange(cs changeSrc, types *typeTable) (*ResourceChange, error) {
	addr, diags := addrs.ParseAbsResourceInstanceStr(cs.Addr)
	if diags.HasErrors() {
		return nil, diags
	}
	c := &ResourceChange{Addr: addr, PrevRunAddr: addr, Deposed: state.DeposedKey(cs.Deposed), Provider: state.ProviderRef{Source: cs.Provider, Alias: cs.ProviderAlias},
		Mode: addr.Resource.Resource.Mode, Private: cs.Private, SchemaVersion: cs.SchemaVersion, ConfigDigest: cs.ConfigDigest}
	if cs.PrevRunAddr != "" {
		if c.PrevRunAddr, diags = addrs.ParseAbsResourceInstanceStr(cs.PrevRunAddr); diags.HasErrors() {
			return nil, diags
		}
	}
	var ok bool
	if c.Action, ok = actionByName(cs.Action); !ok {
		return nil, fmt.Errorf("unknown action %q", cs.Action)
	}
	if c.Reason, ok = reasonByName(cs.Reason); !ok {
		return nil, fmt.Errorf("unknown reason %q", cs.Reason)
	}
	if cs.ImportID != nil {
		c.Importing = &Importing{ID: *cs.ImportID}
	}
	var err error
	if c.Before, err = types.decode(cs.Before); err != nil {
		return nil, err
	}
	if c.After, err = types.decode(cs.After); err != nil {
		return nil, err
	}
	for _, ps := range cs.RequiredReplace {
		p, err := decodePath(ps)
		if err != nil {
			return nil, err
		}
		c.RequiredReplace = append(c.RequiredReplace, p)
	}
	return c, nil
}

func encodeValue(v cty.Value) (valueSrc, error) {
	if v == cty.NilVal {
		v = cty.NullVal(cty.DynamicPseudoType)
	}
	return encodeAs(v, cty.DynamicPseudoType)
}

// encodeAs encodes v, without its marks, against ty, and lists the paths
// marked sensitive.
func encodeAs(v cty.Value, ty cty.Type) (valueSrc, error) {
	raw, pvms := v.UnmarkDeepWithPaths()
	b, err := msgpack.Marshal(raw, ty)
	if err != nil {
		return valueSrc{}, err
	}
	vs := valueSrc{Msgpack: b}
	if vs.Sensitive, err = sensitivePaths(pvms); err != nil {
		return valueSrc{}, err
	}
	return vs, nil
}

// sensitivePaths are the paths of pvms marked sensitive, in a stable
// order.
func sensitivePaths(pvms []cty.PathValueMarks) ([][]stepSrc, error) {
	sort.Slice(pvms, func(i, j int) bool { return fmt.Sprint(pvms[i].Path) < fmt.Sprint(pvms[j].Path) })
	var out [][]stepSrc
	for _, pvm := range pvms {
		if !pvm.Marks.Has(config.Sensitive) {
			continue
		}
		ps, err := encodePath(pvm.Path)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
	}
	return out, nil
}

func decodeValue(vs valueSrc) (cty.Value, error) {
	return decodeAs(vs, cty.DynamicPseudoType)
}

// decodeAs decodes a value encoded against ty and marks its sensitive
// paths.
func decodeAs(vs valueSrc, ty cty.Type) (v cty.Value, err error) {
	// A damaged value must be an error, not a panic in a decoder.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("damaged value: %v", r)
		}
	}()
	if err := checkMsgpack(vs.Msgpack); err != nil {
		return cty.NilVal, err
	}
	v, err = msgpack.Unmarshal(vs.Msgpack, ty)
	if err != nil {
		return cty.NilVal, err
	}
	return markSensitivePaths(v, vs.Sensitive)
}

// markSensitivePaths marks v sensitive at each of paths.
func markSensitivePaths(v cty.Value, paths [][]stepSrc) (cty.Value, error) {
	var pvms []cty.PathValueMarks
	for _, ps := range paths {
		p, err := decodePath(ps)
		if err != nil {
			return cty.NilVal, err
		}
		if _, err := p.Apply(v); err != nil {
			return cty.NilVal, fmt.Errorf("sensitive path does not fit the value: %w", err)
		}
		pvms = append(pvms, cty.PathValueMarks{Path: p, Marks: cty.NewValueMarks(config.Sensitive)})
	}
	return v.MarkWithPaths(pvms), nil
}

func encodePath(p cty.Path) ([]stepSrc, error) {
	out := make([]stepSrc, 0, len(p))
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			name := s.Name
			out = append(out, stepSrc{Attr: &name})
		case cty.IndexStep:
			b, err := ctyjson.Marshal(s.Key, s.Key.Type())
			if err != nil {
				return nil, err
			}
			out = append(out, stepSrc{Index: b})
		}
	}
	return out, nil
}

func decodePath(ss []stepSrc) (cty.Path, error) {
	var p cty.Path
	for _, s := range ss {
		switch {
		case s.Attr != nil:
			p = p.GetAttr(*s.Attr)
		case len(s.Index) > 0:
			var k any
			if err := json.Unmarshal(s.Index, &k); err != nil {
				return nil, err
			}
			switch kv := k.(type) {
			case string:
				p = p.Index(cty.StringVal(kv))
			case float64:
				p = p.Index(cty.NumberVal(new(big.Float).SetFloat64(kv)))
			default:
				return nil, fmt.Errorf("path index %s is neither a string nor a number", s.Index)
			}
		default:
			return nil, fmt.Errorf("empty path step")
		}
	}
	return p, nil
}

func encodeBlock(b *sdk.Block) (*blockSrc, error) {
	bs := &blockSrc{Attributes: map[string]*attrSrc{}, Blocks: map[string]*nestedSrc{}}
	for name, a := range b.Attributes {
		ty, err := a.Type.MarshalJSON()
		if err != nil {
			return nil, err
		}
		bs.Attributes[name] = &attrSrc{Type: ty, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive}
	}
	for name, nb := range b.BlockTypes {
		inner, err := encodeBlock(&nb.Block)
		if err != nil {
			return nil, err
		}
		bs.Blocks[name] = &nestedSrc{Block: inner, Nesting: int(nb.Nesting), MinItems: nb.MinItems, MaxItems: nb.MaxItems}
	}
	return bs, nil
}

func decodeBlock(bs *blockSrc, depth int) (*sdk.Block, error) {
	if bs == nil {
		return nil, fmt.Errorf("missing block")
	}
	if depth > 32 {
		return nil, fmt.Errorf("blocks nested too deeply")
	}
	b := &sdk.Block{Attributes: map[string]*sdk.Attribute{}, BlockTypes: map[string]*sdk.NestedBlock{}}
	for name, as := range bs.Attributes {
		if as == nil {
			return nil, fmt.Errorf("attribute %s is empty", name)
		}
		var ty cty.Type
		if err := ty.UnmarshalJSON(as.Type); err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		b.Attributes[name] = &sdk.Attribute{Type: ty, Required: as.Required, Optional: as.Optional, Computed: as.Computed, Sensitive: as.Sensitive}
	}
	for name, ns := range bs.Blocks {
		if ns == nil {
			return nil, fmt.Errorf("block type %s is empty", name)
		}
		inner, err := decodeBlock(ns.Block, depth+1)
		if err != nil {
			return nil, err
		}
		nesting := sdk.Nesting(ns.Nesting)
		switch nesting {
		case sdk.NestingSingle, sdk.NestingList, sdk.NestingSet, sdk.NestingMap:
		default:
			return nil, fmt.Errorf("block type %s has invalid nesting %d", name, ns.Nesting)
		}
		b.BlockTypes[name] = &sdk.NestedBlock{Block: *inner, Nesting: nesting, MinItems: ns.MinItems, MaxItems: ns.MaxItems}
	}
	return b, nil
}

// clusterChangeSrc is a [ClusterChange]: its values as valueSrc (nil
// for a value the planner left unset), its steps, policy and judgement
// as plain JSON, durations in nanoseconds.
type clusterChangeSrc struct {
	Addr          string            `json:"addr"`
	Name          string            `json:"name"`
	Application   string            `json:"application,omitempty"`
	Stack         string            `json:"stack,omitempty"`
	Detail        string            `json:"detail,omitempty"`
	Provider      string            `json:"provider"`
	ProviderAlias string            `json:"provider_alias,omitempty"`
	Action        string            `json:"action"`
	Intended      string            `json:"intended,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	Blocked       string            `json:"blocked,omitempty"`
	Strategy      string            `json:"strategy,omitempty"`
	Version       string            `json:"version,omitempty"`
	Group         string            `json:"group,omitempty"`
	Capacity      capacitySrc       `json:"capacity"`
	Spec          *valueSrc         `json:"spec,omitempty"`
	SpecHash      string            `json:"spec_hash,omitempty"`
	Current       *valueSrc         `json:"current,omitempty"`
	LoadBalancers *valueSrc         `json:"load_balancers,omitempty"`
	Live          []groupSrc        `json:"live,omitempty"`
	Steps         []deliveryStepSrc `json:"steps,omitempty"`
	Policy        policySrc         `json:"policy"`
	Judgement     judgementSrc      `json:"judgement"`
	Rollback      rollbackSrc       `json:"rollback"`
	Environment   string            `json:"environment,omitempty"`
	Constraints   []constraintSrc   `json:"constraints,omitempty"`
}

type capacitySrc struct {
	Min     int `json:"min"`
	Desired int `json:"desired"`
	Max     int `json:"max"`
}

type groupSrc struct {
	Name     string      `json:"name"`
	Seq      int         `json:"seq"`
	Capacity capacitySrc `json:"capacity"`
	Enabled  bool        `json:"enabled,omitempty"`
	Weight   int         `json:"weight,omitempty"`
	Healthy  int         `json:"healthy"`
	Created  time.Time   `json:"created,omitzero"`
	Failed   bool        `json:"failed,omitempty"`
}

type deliveryStepSrc struct {
	Kind       string            `json:"kind"`
	Group      string            `json:"group,omitempty"`
	Capacity   capacitySrc       `json:"capacity"`
	Healthy    int               `json:"healthy,omitempty"`
	DeadlineNs int64             `json:"deadline_ns,omitempty"`
	DurationNs int64             `json:"duration_ns,omitempty"`
	Weight     int               `json:"weight,omitempty"`
	Enabled    bool              `json:"enabled,omitempty"`
	Baseline   string            `json:"baseline,omitempty"`
	OnFail     []deliveryStepSrc `json:"on_fail,omitempty"`
}

type policySrc struct {
	Strategy             string `json:"strategy,omitempty"`
	DelayBeforeDisableNs int64  `json:"delay_before_disable_ns,omitempty"`
	MaxRemaining         int    `json:"max_remaining,omitempty"`
	ScaleDown            bool   `json:"scale_down,omitempty"`
	ScaleDownDelayNs     int64  `json:"scale_down_delay_ns,omitempty"`
	RollingSteps         []int  `json:"rolling_steps,omitempty"`
	DelayBetweenStepsNs  int64  `json:"delay_between_steps_ns,omitempty"`
	CanaryWeight         int    `json:"canary_weight,omitempty"`
	CanaryCapacity       int    `json:"canary_capacity,omitempty"`
	CanaryDurationNs     int64  `json:"canary_duration_ns,omitempty"`
	MinHealthyPercent    int    `json:"min_healthy_percent,omitempty"`
	HealthyDeadlineNs    int64  `json:"healthy_deadline_ns,omitempty"`
}

type judgementSrc struct {
	Confidence    float64 `json:"confidence,omitempty"`
	MaxErrorRatio float64 `json:"max_error_ratio,omitempty"`
	PassScore     float64 `json:"pass_score,omitempty"`
	MarginalScore float64 `json:"marginal_score,omitempty"`
	// Durations are in nanoseconds.
	MaxLatencyIncrease float64       `json:"max_latency_increase,omitempty"`
	MinLatencyIncrease time.Duration `json:"min_latency_increase_ns,omitempty"`
	Interval           time.Duration `json:"interval_ns,omitempty"`
}

type rollbackSrc struct {
	OnFailure  bool `json:"on_failure,omitempty"`
	KeepFailed bool `json:"keep_failed,omitempty"`
}

type clusterDriftSrc struct {
	Cluster string `json:"cluster"`
	Group   string `json:"group"`
	Change  string `json:"change"`
}

// clusterActions are the actions a saved plan may name.
var clusterActions = []ClusterAction{ClusterNoOp, ClusterCreate, ClusterDeploy, ClusterResize, ClusterResume, ClusterDestroy, ClusterBlocked}

// maxStepNesting bounds how deep OnFail steps may nest in a saved plan:
// strategies nest one level; a file that nests deeper is damaged.
const maxStepNesting = 8

func encodeClusterChange(c *ClusterChange) (clusterChangeSrc, error) {
	cs := clusterChangeSrc{
		Addr: c.Addr.String(), Name: c.Ref.Name, Application: c.Ref.Application, Stack: c.Ref.Stack, Detail: c.Ref.Detail,
		Provider: c.Provider.Source, ProviderAlias: c.Provider.Alias,
		Action: string(c.Action), Intended: string(c.Intended), Reason: c.Reason, Blocked: c.Blocked,
		Strategy: c.Strategy, Version: c.Version, Group: c.Group, Capacity: capacitySrc(c.Capacity), SpecHash: c.SpecHash,
		Steps: encodeSteps(c.Steps),
		Policy: policySrc{
			Strategy: c.Policy.Strategy, DelayBeforeDisableNs: int64(c.Policy.DelayBeforeDisable), MaxRemaining: c.Policy.MaxRemaining,
			ScaleDown: c.Policy.ScaleDown, ScaleDownDelayNs: int64(c.Policy.ScaleDownDelay), RollingSteps: c.Policy.RollingSteps,
			DelayBetweenStepsNs: int64(c.Policy.DelayBetweenSteps), CanaryWeight: c.Policy.CanaryWeight, CanaryCapacity: c.Policy.CanaryCapacity,
			CanaryDurationNs: int64(c.Policy.CanaryDuration), MinHealthyPercent: c.Policy.MinHealthyPercent, HealthyDeadlineNs: int64(c.Policy.HealthyDeadline),
		},
		Judgement:   judgementSrc(c.Judgement),
		Rollback:    rollbackSrc(c.Rollback),
		Environment: c.Environment,
		Constraints: encodeConstraints(c.Constraints),
	}
	for _, g := range c.Live {
		cs.Live = append(cs.Live, groupSrc{Name: g.Name, Seq: g.Seq, Capacity: capacitySrc(g.Capacity), Enabled: g.Enabled, Weight: g.Weight, Healthy: g.Healthy, Created: g.Created, Failed: g.Failed})
	}
	for _, v := range []struct {
		name string
		in   cty.Value
		out  **valueSrc
	}{{"spec", c.Spec, &cs.Spec}, {"current spec", c.Current, &cs.Current}, {"load balancers", c.LoadBalancers, &cs.LoadBalancers}} {
		if v.in == cty.NilVal {
			continue
		}
		vs, err := encodeValue(v.in)
		if err != nil {
			return cs, fmt.Errorf("%s: %w", v.name, err)
		}
		*v.out = &vs
	}
	return cs, nil
}

func encodeSteps(steps []delivery.Step) []deliveryStepSrc {
	var out []deliveryStepSrc
	for _, s := range steps {
		out = append(out, deliveryStepSrc{
			Kind: s.Kind.String(), Group: s.Group, Capacity: capacitySrc(s.Capacity), Healthy: s.Healthy,
			DeadlineNs: int64(s.Deadline), DurationNs: int64(s.Duration), Weight: s.Weight, Enabled: s.Enabled,
			Baseline: s.Baseline, OnFail: encodeSteps(s.OnFail),
		})
	}
	return out
}

func decodeClusterChange(cs clusterChangeSrc) (*ClusterChange, error) {
	addr, err := parseClusterAddr(cs.Addr)
	if err != nil {
		return nil, err
	}
	c := &ClusterChange{
		Addr:     addr,
		Ref:      sdk.ClusterRef{Name: cs.Name, Application: cs.Application, Stack: cs.Stack, Detail: cs.Detail},
		Provider: state.ProviderRef{Source: cs.Provider, Alias: cs.ProviderAlias},
		Reason:   cs.Reason, Blocked: cs.Blocked, Strategy: cs.Strategy, Version: cs.Version, Group: cs.Group,
		Capacity: delivery.Capacity(cs.Capacity), SpecHash: cs.SpecHash,
		Policy: delivery.Policy{
			Strategy: cs.Policy.Strategy, DelayBeforeDisable: time.Duration(cs.Policy.DelayBeforeDisableNs), MaxRemaining: cs.Policy.MaxRemaining,
			ScaleDown: cs.Policy.ScaleDown, ScaleDownDelay: time.Duration(cs.Policy.ScaleDownDelayNs), RollingSteps: cs.Policy.RollingSteps,
			DelayBetweenSteps: time.Duration(cs.Policy.DelayBetweenStepsNs), CanaryWeight: cs.Policy.CanaryWeight, CanaryCapacity: cs.Policy.CanaryCapacity,
			CanaryDuration: time.Duration(cs.Policy.CanaryDurationNs), MinHealthyPercent: cs.Policy.MinHealthyPercent, HealthyDeadline: time.Duration(cs.Policy.HealthyDeadlineNs),
		},
		Judgement:   delivery.Judgement(cs.Judgement),
		Rollback:    delivery.Rollback(cs.Rollback),
		Environment: cs.Environment,
	}
	if c.Constraints, err = decodeConstraints(cs.Constraints); err != nil {
		return nil, err
	}
	var ok bool
	if c.Action, ok = clusterActionByName(cs.Action); !ok {
		return nil, fmt.Errorf("unknown action %q", cs.Action)
	}
	if cs.Intended != "" {
		if c.Intended, ok = clusterActionByName(cs.Intended); !ok {
			return nil, fmt.Errorf("unknown intended action %q", cs.Intended)
		}
	}
	for _, g := range cs.Live {
		c.Live = append(c.Live, delivery.Group{Name: g.Name, Seq: g.Seq, Capacity: delivery.Capacity(g.Capacity), Enabled: g.Enabled, Weight: g.Weight, Healthy: g.Healthy, Created: g.Created, Failed: g.Failed})
	}
	if c.Steps, err = decodeSteps(cs.Steps, 0); err != nil {
		return nil, err
	}
	for _, v := range []struct {
		name string
		in   *valueSrc
		out  *cty.Value
	}{{"spec", cs.Spec, &c.Spec}, {"current spec", cs.Current, &c.Current}, {"load balancers", cs.LoadBalancers, &c.LoadBalancers}} {
		if v.in == nil {
			continue
		}
		if *v.out, err = decodeValue(*v.in); err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
	}
	return c, nil
}

func decodeSteps(in []deliveryStepSrc, depth int) ([]delivery.Step, error) {
	if depth > maxStepNesting && len(in) > 0 {
		return nil, fmt.Errorf("steps nested too deeply")
	}
	var out []delivery.Step
	for _, s := range in {
		kind, ok := delivery.ParseStepKind(s.Kind)
		if !ok {
			return nil, fmt.Errorf("unknown step kind %q", s.Kind)
		}
		onFail, err := decodeSteps(s.OnFail, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, delivery.Step{
			Kind: kind, Group: s.Group, Capacity: delivery.Capacity(s.Capacity), Healthy: s.Healthy,
			Deadline: time.Duration(s.DeadlineNs), Duration: time.Duration(s.DurationNs), Weight: s.Weight, Enabled: s.Enabled,
			Baseline: s.Baseline, OnFail: onFail,
		})
	}
	return out, nil
}

func clusterActionByName(s string) (ClusterAction, bool) {
	for _, a := range clusterActions {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}

// parseClusterAddr reads back what [addrs.Cluster.String] wrote.
func parseClusterAddr(s string) (addrs.Cluster, error) {
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if diags.HasErrors() {
		return addrs.Cluster{}, diags
	}
	ref, diags := addrs.ParseRef(tr)
	if diags.HasErrors() {
		return addrs.Cluster{}, diags
	}
	c, ok := ref.Subject.(addrs.Cluster)
	if !ok || len(ref.Remaining) > 0 {
		return addrs.Cluster{}, fmt.Errorf("%q is not the address of a cluster", s)
	}
	return c, nil
}
