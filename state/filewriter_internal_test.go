package state

import (
	"reflect"
	"slices"
	"testing"
)

// objectsEqual decides whether a FileWriter may write an object's old
// text: a field it does not compare would be written stale.
func TestObjectsEqualFields(t *testing.T) {
	t.Parallel()
	var got []string
	for f := range reflect.TypeFor[ObjectSrc]().Fields() {
		got = append(got, f.Name)
	}
	compared := []string{"SchemaVersion", "AttrsJSON", "SensitivePaths", "Dependencies", "Status", "CreateBeforeDestroy"}
	if !slices.Equal(got, compared) {
		t.Errorf("ObjectSrc has the fields %v; objectsEqual compares %v: compare the new ones there, and list them here", got, compared)
	}
}
