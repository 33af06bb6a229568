package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/config/addrs"
)

// decodeV1 decodes a file of format version 1 into its types, checking
// only the JSON and its shape; fileV1.state checks what the values mean.
// A field this tack does not know is an error: it would be lost when the
// state is written back, so a new field means a new format version. (The
// one exception, docs/state-format.md says, is the optional cluster and
// deployment fields added before any release: a file without them reads
// as it always did.)
func decodeV1(data []byte) (*fileV1, error) { return decodeFile(data, 1) }

// decodeV2 reads a file of format version 2: version 1 and the
// environments and overrides.
func decodeV2(data []byte) (*fileV1, error) { return decodeFile(data, 2) }

func decodeFile(data []byte, version uint64) (*fileV1, error) {
	r := &jsonReader{data: data}
	var f fileV1
	err := r.object(func(key string) (err error) {
		switch key {
		case "format_version":
			f.FormatVersion, err = r.uint64()
		case "tack_version":
			f.TackVersion, err = r.str()
		case "lineage":
			f.Lineage, err = r.str()
		case "serial":
			f.Serial, err = r.uint64()
		case "outputs":
			f.Outputs = map[string]outputV1{}
			err = r.object(func(name string) error {
				o, err := r.outputV1()
				f.Outputs[name] = o
				return err
			})
		case "resources":
			err = r.array(func(int) error {
				f.Resources = append(f.Resources, resourceV1{})
				return r.resourceV1(&f.Resources[len(f.Resources)-1])
			})
		case "clusters":
			err = r.array(func(int) error {
				f.Clusters = append(f.Clusters, clusterV1{})
				return r.clusterV1(&f.Clusters[len(f.Clusters)-1])
			})
		case "environments", "overrides":
			if version < 2 {
				return r.unknownField(key)
			}
			var raw []byte
			if raw, err = r.raw(); err != nil {
				return err
			}
			var dst any = &f.Environments
			if key == "overrides" {
				dst = &f.Overrides
			}
			if err := decodeStrict(raw, dst); err != nil {
				return &FormatError{Path: key, Err: err}
			}
		default:
			return r.unknownField(key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return &f, nil
}

func (r *jsonReader) outputV1() (o outputV1, err error) {
	err = r.object(func(key string) (err error) {
		switch key {
		case "value":
			o.Value, err = r.raw()
		case "type":
			o.Type, err = r.raw()
		case "sensitive":
			o.Sensitive, err = r.boolean()
		default:
			return r.unknownField(key)
		}
		return err
	})
	return o, err
}

func (r *jsonReader) resourceV1(f *resourceV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "module":
			f.Module, err = r.internStr()
		case "mode":
			f.Mode, err = r.internStr()
		case "type":
			f.Type, err = r.internStr()
		case "name":
			f.Name, err = r.str()
		case "provider":
			f.Provider, err = r.internStr()
		case "provider_alias":
			f.ProviderAlias, err = r.internStr()
		case "instances":
			err = r.array(func(int) error {
				f.Instances = append(f.Instances, instanceV1{})
				return r.instanceV1(&f.Instances[len(f.Instances)-1])
			})
		default:
			return r.unknownField(key)
		}
		return err
	})
}

func (r *jsonReader) instanceV1(f *instanceV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "index_key":
			f.IndexKey, err = r.raw()
		case "deposed":
			f.Deposed, err = r.str()
		case "status":
			f.Status, err = r.internStr()
		case "schema_version":
			f.SchemaVersion, err = r.int64()
		case "attributes":
			f.Attributes, err = r.raw()
		case "sensitive_attributes":
			err = r.array(func(int) error {
				var steps []pathStepV1
				err := r.array(func(int) error {
					var step pathStepV1
					err := r.object(func(key string) (err error) {
						switch key {
						case "type":
							step.Type, err = r.internStr()
						case "value":
							step.Value, err = r.raw()
						default:
							return r.unknownField(key)
						}
						return err
					})
					steps = append(steps, step)
					return err
				})
				f.SensitiveAttributes = append(f.SensitiveAttributes, steps)
				return err
			})
		case "dependencies":
			err = r.array(func(int) error {
				dep, err := r.str()
				f.Dependencies = append(f.Dependencies, dep)
				return err
			})
		case "create_before_destroy":
			f.CreateBeforeDestroy, err = r.boolean()
		default:
			return r.unknownField(key)
		}
		return err
	})
}

func (r *jsonReader) clusterV1(f *clusterV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "name":
			f.Name, err = r.str()
		case "provider":
			f.Provider, err = r.internStr()
		case "provider_alias":
			f.ProviderAlias, err = r.internStr()
		case "config":
			f.Config, err = r.str()
		case "environment":
			f.Environment, err = r.str()
		case "protected":
			f.Protected, err = r.boolean()
		case "server_groups":
			err = r.array(func(int) error {
				f.ServerGroups = append(f.ServerGroups, serverGroupV1{})
				return r.serverGroupV1(&f.ServerGroups[len(f.ServerGroups)-1])
			})
		case "history":
			err = r.array(func(int) error {
				f.History = append(f.History, deploymentV1{})
				return r.deploymentV1(&f.History[len(f.History)-1])
			})
		default:
			return r.unknownField(key)
		}
		return err
	})
}

func (r *jsonReader) serverGroupV1(f *serverGroupV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "name":
			f.Name, err = r.str()
		case "sequence":
			f.Sequence, err = r.int()
		case "version":
			f.Version, err = r.str()
		case "spec_hash":
			f.SpecHash, err = r.str()
		case "capacity":
			err = r.object(func(key string) (err error) {
				switch key {
				case "min":
					f.Capacity.Min, err = r.int()
				case "desired":
					f.Capacity.Desired, err = r.int()
				case "max":
					f.Capacity.Max, err = r.int()
				default:
					return r.unknownField(key)
				}
				return err
			})
		case "enabled":
			f.Enabled, err = r.boolean()
		case "weight":
			f.Weight, err = r.int()
		case "created_at":
			f.CreatedAt, err = r.str()
		default:
			return r.unknownField(key)
		}
		return err
	})
}

func (r *jsonReader) deploymentV1(f *deploymentV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "id":
			f.ID, err = r.str()
		case "server_group":
			f.ServerGroup, err = r.str()
		case "from":
			err = r.array(func(int) error {
				sg, err := r.str()
				f.From = append(f.From, sg)
				return err
			})
		case "version":
			f.Version, err = r.str()
		case "strategy":
			f.Strategy, err = r.internStr()
		case "kind":
			f.Kind, err = r.internStr()
		case "outcome":
			f.Outcome, err = r.internStr()
		case "reason":
			f.Reason, err = r.str()
		case "started":
			f.Started, err = r.str()
		case "finished":
			f.Finished, err = r.str()
		case "steps":
			err = r.array(func(int) error {
				f.Steps = append(f.Steps, deploymentStepV1{})
				return r.deploymentStepV1(&f.Steps[len(f.Steps)-1])
			})
		default:
			return r.unknownField(key)
		}
		return err
	})
}

func (r *jsonReader) deploymentStepV1(f *deploymentStepV1) error {
	return r.object(func(key string) (err error) {
		switch key {
		case "description":
			f.Description, err = r.str()
		case "started":
			f.Started, err = r.str()
		case "ended":
			f.Ended, err = r.str()
		case "error":
			f.Error, err = r.str()
		case "rollback":
			f.Rollback, err = r.boolean()
		default:
			return r.unknownField(key)
		}
		return err
	})
}

// state checks f and turns it into a State.
func (f *fileV1) state() (*State, error) {
	if f.Lineage == "" {
		return nil, &FormatError{Path: "lineage", Err: errors.New("missing: every state has a lineage")}
	}
	s := &State{
		Lineage:     f.Lineage,
		Serial:      f.Serial,
		TackVersion: f.TackVersion,
		Resources:   make(map[string]*Resource, len(f.Resources)),
		Clusters:    make(map[string]*Cluster, len(f.Clusters)),
		Outputs:     make(map[string]*Output, len(f.Outputs)),
	}
	// Map iteration order is random: check outputs in name order so that
	// the same bad file always gives the same error.
	for _, name := range slices.Sorted(mapKeys(f.Outputs)) {
		o, err := f.Outputs[name].output(name)
		if err != nil {
			return nil, &FormatError{Path: "outputs." + name, Err: err}
		}
		s.Outputs[name] = o
	}

	// Addresses first, so that dependencies on resources in the file are
	// found without parsing them.
	r := newAddrReader(len(f.Resources))
	resAddrs := make([]addrs.AbsResource, len(f.Resources))
	for i := range f.Resources {
		addr, err := r.resourceAddr(&f.Resources[i])
		if err != nil {
			return nil, &FormatError{Path: resourcePath(i), Err: err}
		}
		resAddrs[i] = addr
		// An AbsResource prints as its ConfigResource when no module
		// instance has a key, which is the common case.
		key := addr.String()
		if !strings.Contains(key, "[") {
			r.known[key] = addr.Config()
		} else {
			r.known[addr.Config().String()] = addr.Config()
		}
	}
	for i := range f.Resources {
		rs, err := r.resource(resAddrs[i], &f.Resources[i], i)
		if err != nil {
			return nil, err
		}
		key := rs.Addr.String()
		if s.Resources[key] != nil {
			return nil, &FormatError{Path: resourcePath(i), Err: fmt.Errorf("%s is listed twice", key)}
		}
		s.Resources[key] = rs
	}

	for i := range f.Clusters {
		path := fmt.Sprintf("clusters[%d]", i)
		c, err := f.Clusters[i].cluster(path)
		if err != nil {
			return nil, err
		}
		if s.Clusters[c.Name] != nil {
			return nil, &FormatError{Path: path, Err: fmt.Errorf("cluster %q is listed twice", c.Name)}
		}
		s.Clusters[c.Name] = c
	}
	if err := f.railings(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (o outputV1) output(name string) (*Output, error) {
	if !validIdentifier(name) {
		return nil, fmt.Errorf("%q is not a valid output name", name)
	}
	if o.Type == nil {
		return nil, errors.New("type is missing")
	}
	if o.Value == nil {
		return nil, errors.New("value is missing")
	}
	ty, err := ctyjson.UnmarshalType(o.Type)
	if err != nil {
		return nil, fmt.Errorf("type: %w", err)
	}
	val, err := ctyjson.Unmarshal(o.Value, ty)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return &Output{Value: val, Sensitive: o.Sensitive}, nil
}

// addrReader reads the addresses of one file, remembering the module paths
// and dependencies it has parsed: parsing an address costs microseconds,
// and a large state repeats the same few many times.
type addrReader struct {
	modules   map[string]addrs.ModuleInstance
	known     map[string]addrs.ConfigResource // resources of the file and dependencies parsed so far
	providers map[ProviderRef]bool            // checked and valid
}

func (r *addrReader) provider(source, alias string) (ProviderRef, error) {
	p := ProviderRef{Source: source, Alias: alias}
	if r.providers[p] {
		return p, nil
	}
	if err := checkProvider(p); err != nil {
		return ProviderRef{}, err
	}
	r.providers[p] = true
	return p, nil
}

func newAddrReader(resources int) *addrReader {
	return &addrReader{modules: map[string]addrs.ModuleInstance{}, known: make(map[string]addrs.ConfigResource, resources), providers: map[ProviderRef]bool{}}
}

func (r *addrReader) resourceAddr(f *resourceV1) (addrs.AbsResource, error) {
	mod, ok := r.modules[f.Module]
	if !ok {
		var diags hcl.Diagnostics
		mod, diags = addrs.ParseModuleInstanceStr(f.Module)
		if diags.HasErrors() {
			return addrs.AbsResource{}, fmt.Errorf("module: %q is not a module instance address: %s", f.Module, diags.Error())
		}
		if err := checkModule(mod); err != nil {
			return addrs.AbsResource{}, fmt.Errorf("module: %w", err)
		}
		r.modules[f.Module] = mod
	}
	var mode addrs.ResourceMode
	switch f.Mode {
	case modeManaged:
		mode = addrs.ManagedResourceMode
	case modeData:
		mode = addrs.DataResourceMode
	default:
		return addrs.AbsResource{}, fmt.Errorf("mode: %q is neither %q nor %q", f.Mode, modeManaged, modeData)
	}
	res := addrs.Resource{Mode: mode, Type: f.Type, Name: f.Name}
	if err := checkResource(res); err != nil {
		return addrs.AbsResource{}, err
	}
	return res.Absolute(mod), nil
}

func resourcePath(i int) string    { return fmt.Sprintf("resources[%d]", i) }
func instancePath(i, j int) string { return fmt.Sprintf("resources[%d].instances[%d]", i, j) }

func (r *addrReader) resource(addr addrs.AbsResource, f *resourceV1, ri int) (*Resource, error) {
	provider, err := r.provider(f.Provider, f.ProviderAlias)
	if err != nil {
		return nil, &FormatError{Path: resourcePath(ri), Err: fmt.Errorf("%s: %w", addr, err)}
	}
	if len(f.Instances) == 0 {
		return nil, &FormatError{Path: resourcePath(ri) + ".instances", Err: fmt.Errorf("%s has no instances; a resource without instances is left out of the state", addr)}
	}
	rs := &Resource{Addr: addr, Provider: provider, Instances: make(map[addrs.InstanceKey]*ResourceInstance, len(f.Instances))}
	for i := range f.Instances {
		key, deposed, obj, err := r.object(addr, &f.Instances[i])
		if err != nil {
			return nil, &FormatError{Path: instancePath(ri, i), Err: err}
		}
		is := rs.Instances[key]
		if is == nil {
			is = &ResourceInstance{}
			rs.Instances[key] = is
		}
		switch {
		case deposed == NotDeposed && is.Current != nil:
			return nil, &FormatError{Path: instancePath(ri, i), Err: fmt.Errorf("%s has two current objects", addr.Instance(key))}
		case deposed == NotDeposed:
			is.Current = obj
		case is.Deposed[deposed] != nil:
			return nil, &FormatError{Path: instancePath(ri, i), Err: fmt.Errorf("%s has two deposed objects %s", addr.Instance(key), deposed)}
		default:
			if is.Deposed == nil {
				is.Deposed = map[DeposedKey]*ObjectSrc{}
			}
			is.Deposed[deposed] = obj
		}
	}
	return rs, nil
}

func (r *addrReader) object(addr addrs.AbsResource, f *instanceV1) (addrs.InstanceKey, DeposedKey, *ObjectSrc, error) {
	key, err := instanceKey(f.IndexKey)
	if err != nil {
		return nil, "", nil, fmt.Errorf("index_key: %s: %w", addr, err)
	}
	inst := addr.Instance(key)
	deposed := DeposedKey(f.Deposed)
	if deposed != NotDeposed && !deposed.valid() {
		return nil, "", nil, fmt.Errorf("deposed: %s: %q is not a deposed key, which is 8 lowercase hexadecimal digits", inst, f.Deposed)
	}
	obj := &ObjectSrc{SchemaVersion: f.SchemaVersion, Status: ObjectReady, CreateBeforeDestroy: f.CreateBeforeDestroy}
	switch f.Status {
	case "":
	case statusTainted:
		obj.Status = ObjectTainted
	default:
		return nil, "", nil, fmt.Errorf("status: %s: %q is not a status; it is %q or left out for a ready object", inst, f.Status, statusTainted)
	}
	if f.SchemaVersion < 0 {
		return nil, "", nil, fmt.Errorf("schema_version: %s: %d is negative", inst, f.SchemaVersion)
	}
	if !isJSONObject(f.Attributes) {
		return nil, "", nil, fmt.Errorf("attributes: %s: the attributes must be a JSON object", inst)
	}
	// The reader compacted the attributes, as WriteFile writes them, so
	// that a state read back from the file it was written to is equal to it.
	obj.AttrsJSON = f.Attributes
	for i, steps := range f.SensitiveAttributes {
		p, err := pathFromV1(steps)
		if err != nil {
			return nil, "", nil, fmt.Errorf("sensitive_attributes[%d]: %s: %w", i, inst, err)
		}
		obj.SensitivePaths = append(obj.SensitivePaths, p)
	}
	for i, s := range f.Dependencies {
		dep, err := r.dependency(s)
		if err != nil {
			return nil, "", nil, fmt.Errorf("dependencies[%d]: %s: %w", i, inst, err)
		}
		obj.Dependencies = append(obj.Dependencies, dep)
	}
	obj.Dependencies = sortDependencies(obj.Dependencies)
	return key, deposed, obj, nil
}

// dependency reads the address of a resource block, such as
// module.net.local_file.c.
func (r *addrReader) dependency(s string) (addrs.ConfigResource, error) {
	if c, ok := r.known[s]; ok {
		return c, nil
	}
	inst, diags := addrs.ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		return addrs.ConfigResource{}, fmt.Errorf("%q is not a resource address: %s", s, diags)
	}
	for _, step := range inst.Module {
		if step.Key != addrs.NoKey {
			return addrs.ConfigResource{}, fmt.Errorf("%q names a module instance; a dependency names a module, as in %s", s, inst.ConfigResource())
		}
	}
	if inst.Resource.Key != addrs.NoKey {
		return addrs.ConfigResource{}, fmt.Errorf("%q names a resource instance; a dependency names a resource, as in %s", s, inst.ConfigResource())
	}
	c := inst.ConfigResource()
	r.known[s] = c
	return c, nil
}

func instanceKey(raw json.RawMessage) (addrs.InstanceKey, error) {
	if raw == nil {
		return addrs.NoKey, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		k := addrs.StringKey(s)
		return k, checkKey(k)
	case 'n':
		return nil, errors.New("null is not an index key; leave index_key out for a resource without count or for_each")
	default:
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s is not an index key: a count index is a whole number from 0 upward, a for_each key a string", raw)
		}
		return addrs.IntKey(n), nil
	}
}

func pathFromV1(steps []pathStepV1) (cty.Path, error) {
	p := make(cty.Path, 0, len(steps))
	for _, step := range steps {
		switch step.Type {
		case stepGetAttr:
			var name string
			if err := json.Unmarshal(step.Value, &name); err != nil || step.Value == nil {
				return nil, errors.New("the value of a get_attr step is an attribute name")
			}
			p = append(p, cty.GetAttrStep{Name: name})
		case stepIndex:
			key, err := indexStepKey(step.Value)
			if err != nil {
				return nil, err
			}
			p = append(p, cty.IndexStep{Key: key})
		default:
			return nil, fmt.Errorf("%q is not a path step type; it is %q or %q", step.Type, stepGetAttr, stepIndex)
		}
	}
	return p, nil
}

func indexStepKey(raw json.RawMessage) (cty.Value, error) {
	const how = "the value of an index step is a list index (a whole number from 0 upward) or a map key (a string)"
	if len(raw) == 0 {
		return cty.NilVal, errors.New(how)
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(s), nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 {
		return cty.NilVal, errors.New(how)
	}
	return cty.NumberIntVal(n), nil
}

func (f *clusterV1) cluster(path string) (*Cluster, error) {
	if f.Name == "" {
		return nil, &FormatError{Path: path + ".name", Err: errors.New("missing: a cluster has a name")}
	}
	provider, err := providerRef(f.Provider, f.ProviderAlias)
	if err != nil {
		return nil, &FormatError{Path: path, Err: fmt.Errorf("cluster %q: %w", f.Name, err)}
	}
	c := &Cluster{Name: f.Name, Provider: provider, Config: f.Config, Environment: f.Environment, Protected: f.Protected}
	seen := map[string]bool{}
	for i, sgf := range f.ServerGroups {
		sgPath := fmt.Sprintf("%s.server_groups[%d]", path, i)
		sg := &ServerGroup{
			Name:     sgf.Name,
			Sequence: sgf.Sequence,
			Version:  sgf.Version,
			SpecHash: sgf.SpecHash,
			Capacity: Capacity{Min: sgf.Capacity.Min, Desired: sgf.Capacity.Desired, Max: sgf.Capacity.Max},
			Enabled:  sgf.Enabled,
			Weight:   sgf.Weight,
		}
		if err := checkServerGroup(sg); err != nil {
			return nil, &FormatError{Path: sgPath, Err: fmt.Errorf("cluster %q: %w", f.Name, err)}
		}
		if seen[sg.Name] {
			return nil, &FormatError{Path: sgPath, Err: fmt.Errorf("cluster %q: server group %q is listed twice", f.Name, sg.Name)}
		}
		seen[sg.Name] = true
		if sg.CreatedAt, err = readTime(sgf.CreatedAt); err != nil {
			return nil, &FormatError{Path: sgPath + ".created_at", Err: err}
		}
		c.ServerGroups = append(c.ServerGroups, sg)
	}
	for i, df := range f.History {
		dPath := fmt.Sprintf("%s.history[%d]", path, i)
		d := &Deployment{ID: df.ID, ServerGroup: df.ServerGroup, From: df.From, Version: df.Version, Strategy: df.Strategy, Kind: df.Kind, Outcome: df.Outcome, Reason: df.Reason}
		// The steps are checked one by one below, for their paths.
		if err := checkDeployment(d); err != nil {
			return nil, &FormatError{Path: dPath, Err: fmt.Errorf("cluster %q: %w", f.Name, err)}
		}
		if d.Started, err = readTime(df.Started); err != nil {
			return nil, &FormatError{Path: dPath + ".started", Err: err}
		}
		if d.Finished, err = readTime(df.Finished); err != nil {
			return nil, &FormatError{Path: dPath + ".finished", Err: err}
		}
		for j, sf := range df.Steps {
			sPath := fmt.Sprintf("%s.steps[%d]", dPath, j)
			step := DeploymentStep{Description: sf.Description, Error: sf.Error, Rollback: sf.Rollback}
			if err := checkStep(&step); err != nil {
				return nil, &FormatError{Path: sPath, Err: fmt.Errorf("cluster %q: deployment %q: %w", f.Name, d.ID, err)}
			}
			if step.Started, err = readTime(sf.Started); err != nil {
				return nil, &FormatError{Path: sPath + ".started", Err: err}
			}
			if step.Ended, err = readTime(sf.Ended); err != nil {
				return nil, &FormatError{Path: sPath + ".ended", Err: err}
			}
			d.Steps = append(d.Steps, step)
		}
		c.History = append(c.History, d)
	}
	return c, nil
}

func readTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time in RFC 3339 format, such as 2025-03-01T14:05:00Z", s)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is outside the years 1 to 9999", s)
	}
	return t, nil
}
