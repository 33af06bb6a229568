package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/config/addrs"
)

func writeTime(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return "", fmt.Errorf("%s is outside the years 1 to 9999", t)
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

// encodeV1 turns s into the file's form, checking that ReadFile will be
// able to read it back.
func encodeV1(s *State, tackVersion string) (*fileV1, error) {
	f, err := encodeHeadV1(s, tackVersion)
	if err != nil {
		return nil, err
	}
	resources := make([]*Resource, 0, len(s.Resources))
	for key, rs := range s.Resources {
		if rs == nil || key != rs.Addr.String() {
			return nil, fmt.Errorf("resource %q is recorded under the wrong key", key)
		}
		resources = append(resources, rs)
	}
	slices.SortFunc(resources, func(a, b *Resource) int { return compareAbsResource(a.Addr, b.Addr) })
	f.Resources = make([]resourceV1, 0, len(resources))
	for _, rs := range resources {
		rf, err := resourceToV1(rs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rs.Addr, err)
		}
		f.Resources = append(f.Resources, rf)
	}
	if err := f.encodeClusters(s); err != nil {
		return nil, err
	}
	return f, nil
}

// encodeHeadV1 is encodeV1 up to the resources: the top-level fields and
// the outputs.
func encodeHeadV1(s *State, tackVersion string) (*fileV1, error) {
	if s.Lineage == "" {
		return nil, errors.New("the state has no lineage")
	}
	f := &fileV1{
		FormatVersion: FormatVersion,
		TackVersion:   tackVersion,
		Lineage:       s.Lineage,
		Serial:        s.Serial,
		Outputs:       make(map[string]outputV1, len(s.Outputs)),
		Clusters:      make([]clusterV1, 0, len(s.Clusters)),
	}
	for name, o := range s.Outputs {
		of, err := outputToV1(name, o)
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", name, err)
		}
		f.Outputs[name] = of
	}
	return f, nil
}

// encodeClusters is encodeV1 after the resources: the clusters, and
// then the environments and overrides.
func (f *fileV1) encodeClusters(s *State) error {
	for _, name := range slices.Sorted(mapKeys(s.Clusters)) {
		cf, err := clusterToV1(name, s.Clusters[name])
		if err != nil {
			return fmt.Errorf("cluster %q: %w", name, err)
		}
		f.Clusters = append(f.Clusters, cf)
	}
	return f.encodeRailings(s)
}

func outputToV1(name string, o *Output) (outputV1, error) {
	if !validIdentifier(name) {
		return outputV1{}, errors.New("not a valid output name")
	}
	if o == nil || o.Value == cty.NilVal {
		return outputV1{}, errors.New("no value")
	}
	if o.Value.ContainsMarked() {
		return outputV1{}, errors.New("the value is marked; record sensitivity in Output.Sensitive")
	}
	if !o.Value.IsWhollyKnown() {
		return outputV1{}, fmt.Errorf("%s is unknown; the state records only known values", unknownPath(o.Value))
	}
	ty, err := ctyjson.MarshalType(o.Value.Type())
	if err != nil {
		return outputV1{}, err
	}
	val, err := ctyjson.Marshal(o.Value, o.Value.Type())
	if err != nil {
		return outputV1{}, err
	}
	return outputV1{Value: val, Type: ty, Sensitive: o.Sensitive}, nil
}

func resourceToV1(rs *Resource) (resourceV1, error) {
	if err := checkModule(rs.Addr.Module); err != nil {
		return resourceV1{}, err
	}
	if err := checkResource(rs.Addr.Resource); err != nil {
		return resourceV1{}, err
	}
	if err := checkProvider(rs.Provider); err != nil {
		return resourceV1{}, err
	}
	if len(rs.Instances) == 0 {
		return resourceV1{}, errors.New("the resource has no instances")
	}
	rf := resourceV1{resourceHeadV1: resourceHeadV1{
		Module:        rs.Addr.Module.String(),
		Mode:          modeManaged,
		Type:          rs.Addr.Resource.Type,
		Name:          rs.Addr.Resource.Name,
		Provider:      rs.Provider.Source,
		ProviderAlias: rs.Provider.Alias,
	}}
	if rs.Addr.Resource.Mode == addrs.DataResourceMode {
		rf.Mode = modeData
	}
	keys := make([]addrs.InstanceKey, 0, len(rs.Instances))
	for k := range rs.Instances {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return resourceV1{}, err
		}
		is := rs.Instances[k]
		if !is.HasObjects() {
			return resourceV1{}, fmt.Errorf("instance %s has no objects", k)
		}
		if is.Current != nil {
			inf, err := instanceToV1(k, NotDeposed, is.Current)
			if err != nil {
				return resourceV1{}, err
			}
			rf.Instances = append(rf.Instances, inf)
		}
		for _, dk := range slices.Sorted(mapKeys(is.Deposed)) {
			inf, err := instanceToV1(k, dk, is.Deposed[dk])
			if err != nil {
				return resourceV1{}, err
			}
			rf.Instances = append(rf.Instances, inf)
		}
	}
	return rf, nil
}

func instanceToV1(key addrs.InstanceKey, deposed DeposedKey, obj *ObjectSrc) (instanceV1, error) {
	what := "current object"
	if deposed != NotDeposed {
		what = "deposed object " + string(deposed)
	}
	if key != addrs.NoKey {
		what = key.String() + " " + what
	}
	if deposed != NotDeposed && !deposed.valid() {
		return instanceV1{}, fmt.Errorf("%s: the deposed key is not 8 lowercase hexadecimal digits", what)
	}
	if obj == nil {
		return instanceV1{}, fmt.Errorf("%s is nil", what)
	}
	inf := instanceV1{
		Deposed:             string(deposed),
		SchemaVersion:       obj.SchemaVersion,
		Attributes:          obj.AttrsJSON,
		CreateBeforeDestroy: obj.CreateBeforeDestroy,
	}
	switch k := key.(type) {
	case addrs.IntKey:
		inf.IndexKey = strconv.AppendInt(nil, int64(k), 10)
	case addrs.StringKey:
		inf.IndexKey = jsonString(string(k))
	}
	switch obj.Status {
	case ObjectReady:
	case ObjectTainted:
		inf.Status = statusTainted
	default:
		return instanceV1{}, fmt.Errorf("%s: status %s is neither ObjectReady nor ObjectTainted", what, obj.Status)
	}
	if obj.SchemaVersion < 0 {
		return instanceV1{}, fmt.Errorf("%s: schema version %d is negative", what, obj.SchemaVersion)
	}
	// Check the attributes, compacted as ReadFile will read them.
	r := jsonReader{data: obj.AttrsJSON}
	if r.peek() != '{' {
		return instanceV1{}, fmt.Errorf("%s: the attributes are not a JSON object", what)
	}
	attrs, err := r.appendValue(make([]byte, 0, len(obj.AttrsJSON)), 0)
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return instanceV1{}, fmt.Errorf("%s: the attributes are not a JSON object: %w", what, errors.Unwrap(err))
	}
	inf.Attributes = attrs
	for _, p := range obj.SensitivePaths {
		steps, err := pathToV1(p)
		if err != nil {
			return instanceV1{}, fmt.Errorf("%s: sensitive path %s: %w", what, formatPath(p), err)
		}
		inf.SensitiveAttributes = append(inf.SensitiveAttributes, steps)
	}
	for _, dep := range sortDependencies(obj.Dependencies) {
		if err := checkConfigResource(dep); err != nil {
			return instanceV1{}, fmt.Errorf("%s: dependency %s: %w", what, dep, err)
		}
		inf.Dependencies = append(inf.Dependencies, dep.String())
	}
	return inf, nil
}

func pathToV1(p cty.Path) ([]pathStepV1, error) {
	steps := make([]pathStepV1, 0, len(p))
	for _, step := range p {
		switch step := step.(type) {
		case cty.GetAttrStep:
			steps = append(steps, pathStepV1{Type: stepGetAttr, Value: jsonString(step.Name)})
		case cty.IndexStep:
			k := step.Key
			switch {
			case k.IsMarked() || !k.IsKnown() || k.IsNull():
				return nil, errors.New("an index is unknown, null or marked")
			case k.Type() == cty.String:
				steps = append(steps, pathStepV1{Type: stepIndex, Value: jsonString(k.AsString())})
			case k.Type() == cty.Number:
				n, acc := k.AsBigFloat().Int64()
				if acc != 0 || n < 0 {
					return nil, errors.New("a list index is not a whole number from 0 upward")
				}
				steps = append(steps, pathStepV1{Type: stepIndex, Value: strconv.AppendInt(nil, n, 10)})
			default:
				return nil, fmt.Errorf("an index is a %s, not a number or a string", k.Type().FriendlyName())
			}
		default:
			return nil, fmt.Errorf("a path step of type %T cannot be recorded", step)
		}
	}
	return steps, nil
}

func clusterToV1(name string, c *Cluster) (clusterV1, error) {
	if c == nil || c.Name != name || name == "" {
		return clusterV1{}, errors.New("the cluster is recorded under the wrong name")
	}
	if err := checkProvider(c.Provider); err != nil {
		return clusterV1{}, err
	}
	cf := clusterV1{
		clusterHeadV1: clusterHeadV1{Name: c.Name, Provider: c.Provider.Source, ProviderAlias: c.Provider.Alias, Config: c.Config, Environment: c.Environment, Protected: c.Protected},
		ServerGroups:  make([]serverGroupV1, 0, len(c.ServerGroups)),
		History:       make([]deploymentV1, 0, len(c.History)),
	}
	seen := map[string]bool{}
	for _, sg := range c.ServerGroups {
		if sg == nil {
			return clusterV1{}, errors.New("a server group is nil")
		}
		if err := checkServerGroup(sg); err != nil {
			return clusterV1{}, err
		}
		if seen[sg.Name] {
			return clusterV1{}, fmt.Errorf("server group %q is listed twice", sg.Name)
		}
		seen[sg.Name] = true
		created, err := writeTime(sg.CreatedAt)
		if err != nil {
			return clusterV1{}, fmt.Errorf("server group %q: %w", sg.Name, err)
		}
		cf.ServerGroups = append(cf.ServerGroups, serverGroupV1{
			Name:      sg.Name,
			Sequence:  sg.Sequence,
			Version:   sg.Version,
			SpecHash:  sg.SpecHash,
			Capacity:  capacityV1{Min: sg.Capacity.Min, Desired: sg.Capacity.Desired, Max: sg.Capacity.Max},
			Enabled:   sg.Enabled,
			Weight:    sg.Weight,
			CreatedAt: created,
		})
	}
	for _, d := range c.History {
		if d == nil {
			return clusterV1{}, errors.New("a deployment is nil")
		}
		if err := checkDeployment(d); err != nil {
			return clusterV1{}, err
		}
		started, err := writeTime(d.Started)
		if err != nil {
			return clusterV1{}, fmt.Errorf("deployment %q: %w", d.ID, err)
		}
		finished, err := writeTime(d.Finished)
		if err != nil {
			return clusterV1{}, fmt.Errorf("deployment %q: %w", d.ID, err)
		}
		df := deploymentV1{
			ID:          d.ID,
			ServerGroup: d.ServerGroup,
			From:        d.From,
			Version:     d.Version,
			Strategy:    d.Strategy,
			Kind:        d.Kind,
			Outcome:     d.Outcome,
			Reason:      d.Reason,
			Started:     started,
			Finished:    finished,
		}
		for i, step := range d.Steps {
			sf := deploymentStepV1{Description: step.Description, Error: step.Error, Rollback: step.Rollback}
			if sf.Started, err = writeTime(step.Started); err == nil {
				sf.Ended, err = writeTime(step.Ended)
			}
			if err != nil {
				return clusterV1{}, fmt.Errorf("deployment %q: step %d: %w", d.ID, i, err)
			}
			df.Steps = append(df.Steps, sf)
		}
		cf.History = append(cf.History, df)
	}
	return cf, nil
}

// append appends the resource as the file lays it out: its fields, and
// its instances one to a line, indented for the resources list.
func (f *resourceV1) append(dst []byte) []byte {
	dst = f.appendHead(dst)
	dst = append(dst, '[')
	for j := range f.Instances {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, "\n      "...)
		dst = f.Instances[j].append(dst)
	}
	if len(f.Instances) > 0 {
		dst = append(dst, "\n    "...)
	}
	return append(dst, "]}"...)
}

// appendHead appends the fields of the resource, leaving its object open
// for the instances.
func (f *resourceV1) appendHead(dst []byte) []byte {
	dst = append(dst, '{')
	if f.Module != "" {
		dst = append(dst, `"module":`...)
		dst = appendJSONString(dst, f.Module)
		dst = append(dst, ',')
	}
	dst = append(dst, `"mode":`...)
	dst = appendJSONString(dst, f.Mode)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, f.Type)
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, f.Name)
	dst = append(dst, `,"provider":`...)
	dst = appendJSONString(dst, f.Provider)
	if f.ProviderAlias != "" {
		dst = append(dst, `,"provider_alias":`...)
		dst = appendJSONString(dst, f.ProviderAlias)
	}
	return append(dst, `,"instances":`...)
}

// append appends the instance as one JSON object. Its raw values were
// made or checked and compacted by encodeV1.
func (f *instanceV1) append(dst []byte) []byte {
	dst = append(dst, '{')
	if f.IndexKey != nil {
		dst = append(dst, `"index_key":`...)
		dst = append(dst, f.IndexKey...)
		dst = append(dst, ',')
	}
	if f.Deposed != "" {
		dst = append(dst, `"deposed":`...)
		dst = appendJSONString(dst, f.Deposed)
		dst = append(dst, ',')
	}
	if f.Status != "" {
		dst = append(dst, `"status":`...)
		dst = appendJSONString(dst, f.Status)
		dst = append(dst, ',')
	}
	dst = append(dst, `"schema_version":`...)
	dst = strconv.AppendInt(dst, f.SchemaVersion, 10)
	dst = append(dst, `,"attributes":`...)
	dst = append(dst, f.Attributes...)
	if len(f.SensitiveAttributes) > 0 {
		dst = append(dst, `,"sensitive_attributes":[`...)
		for i, steps := range f.SensitiveAttributes {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '[')
			for j, step := range steps {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, `{"type":`...)
				dst = appendJSONString(dst, step.Type)
				dst = append(dst, `,"value":`...)
				dst = append(dst, step.Value...)
				dst = append(dst, '}')
			}
			dst = append(dst, ']')
		}
		dst = append(dst, ']')
	}
	if len(f.Dependencies) > 0 {
		dst = append(dst, `,"dependencies":[`...)
		for i, dep := range f.Dependencies {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, dep)
		}
		dst = append(dst, ']')
	}
	if f.CreateBeforeDestroy {
		dst = append(dst, `,"create_before_destroy":true`...)
	}
	return append(dst, '}')
}

// jsonString encodes s as a JSON string, without the HTML escaping of
// json.Marshal, since a state file is never embedded in HTML.
func jsonString(s string) json.RawMessage {
	return appendJSONString(nil, s)
}

// write lays f out as docs/state-format.md shows: the top-level fields one
// to a line, and then one line for each output, resource instance, server
// group and deployment. A change to one object changes one line, which
// keeps diffs readable, and the file stays a fraction of the size of fully
// indented JSON.
func (f *fileV1) write(buf *bytes.Buffer) error {
	// Resources are most of a state, and encoding/json's reflection most of
	// the time it takes to write them: they are written by hand.
	return f.writeWith(buf, len(f.Resources), func(dst []byte, i int) []byte { return f.Resources[i].append(dst) })
}

// writeWith is write with the resources given as n texts that resource
// appends, in order, as [resourceV1.append] lays them out; f.Resources is
// not used.
func (f *fileV1) writeWith(buf *bytes.Buffer, n int, resource func(dst []byte, i int) []byte) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// value appends v as compact JSON, without the newline Encode adds.
	value := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	// open appends v as value does, leaving its object open to add a field.
	open := func(v any) error {
		if err := value(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // the closing brace
		return nil
	}
	// list appends the elements of a JSON array, one to a line.
	list := func(indent string, n int, elem func(i int) error) error {
		buf.WriteByte('[')
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n" + indent + "  ")
			if err := elem(i); err != nil {
				return err
			}
		}
		if n > 0 {
			buf.WriteString("\n" + indent)
		}
		buf.WriteByte(']')
		return nil
	}

	buf.WriteString("{\n  \"format_version\": ")
	buf.WriteString(strconv.FormatUint(f.FormatVersion, 10))
	buf.WriteString(",\n  \"tack_version\": ")
	buf.Write(jsonString(f.TackVersion))
	buf.WriteString(",\n  \"lineage\": ")
	buf.Write(jsonString(f.Lineage))
	buf.WriteString(",\n  \"serial\": ")
	buf.WriteString(strconv.FormatUint(f.Serial, 10))

	buf.WriteString(",\n  \"outputs\": {")
	for i, name := range slices.Sorted(mapKeys(f.Outputs)) {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(jsonString(name))
		buf.WriteString(": ")
		if err := value(f.Outputs[name]); err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
	}
	if len(f.Outputs) > 0 {
		buf.WriteString("\n  ")
	}

	buf.WriteString("},\n  \"resources\": ")
	var line []byte
	_ = list("  ", n, func(i int) error {
		line = resource(line[:0], i)
		buf.Write(line)
		return nil
	})

	buf.WriteString(",\n  \"clusters\": ")
	err := list("  ", len(f.Clusters), func(i int) error {
		cf := &f.Clusters[i]
		if err := open(cf.clusterHeadV1); err != nil {
			return err
		}
		buf.WriteString(`,"server_groups":`)
		if err := list("    ", len(cf.ServerGroups), func(j int) error { return value(&cf.ServerGroups[j]) }); err != nil {
			return err
		}
		buf.WriteString(`,"history":`)
		if err := list("    ", len(cf.History), func(j int) error { return value(&cf.History[j]) }); err != nil {
			return err
		}
		buf.WriteByte('}')
		return nil
	})
	if err != nil {
		return err
	}
	if err := f.writeRailings(buf, value); err != nil {
		return err
	}
	buf.WriteString("\n}\n")
	return nil
}
