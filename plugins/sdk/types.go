package sdk

import "github.com/zclconf/go-cty/cty"

// schemaTypes are the value types a provider's schemas imply, computed once
// when the schemas arrive: both ends of the wire need them for every value
// they encode, and deriving a type from a block is not free.
type schemaTypes struct {
	provider    cty.Type
	serverGroup cty.Type
	resources   map[string]cty.Type
	dataSources map[string]cty.Type
}

func newSchemaTypes(s *GetSchemaResponse) *schemaTypes {
	t := &schemaTypes{
		provider:    s.Provider.Block.ImpliedType(),
		serverGroup: s.Capabilities.ServerGroupSchema.Block.ImpliedType(),
		resources:   map[string]cty.Type{},
		dataSources: map[string]cty.Type{},
	}
	for name, rs := range s.ResourceTypes {
		t.resources[name] = rs.Block.ImpliedType()
	}
	for name, ds := range s.DataSources {
		t.dataSources[name] = ds.Block.ImpliedType()
	}
	return t
}

// of returns the type of a resource or data source, or an error diagnostic
// when the provider has no such type.
func (t *schemaTypes) of(name string, dataSource bool) (cty.Type, Diagnostics) {
	m, kind := t.resources, "resource type"
	if dataSource {
		m, kind = t.dataSources, "data source"
	}
	ty, ok := m[name]
	if !ok {
		return cty.NilType, Diagnostics{Errorf("Unknown "+kind, "The provider has no %s %q.", kind, name)}
	}
	return ty, nil
}
