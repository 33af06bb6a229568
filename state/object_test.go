package state_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

var fileType = cty.Object(map[string]cty.Type{
	"id":       cty.String,
	"filename": cty.String,
	"content":  cty.String,
	"tags":     cty.Map(cty.String),
	"rules":    cty.List(cty.Object(map[string]cty.Type{"port": cty.Number})),
})

func TestObjectEncodeDecode(t *testing.T) {
	t.Parallel()
	sensitive := func(v cty.Value) cty.Value { return v.Mark(state.SensitiveMark) }
	val := cty.ObjectVal(map[string]cty.Value{
		"id":       cty.StringVal("f1"),
		"filename": cty.StringVal("a.txt"),
		"content":  sensitive(cty.StringVal("hunter2")),
		"tags":     cty.MapVal(map[string]cty.Value{"env": sensitive(cty.StringVal("prod")), "team": cty.StringVal("edge")}),
		"rules": cty.ListVal([]cty.Value{
			cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(80)}),
			cty.ObjectVal(map[string]cty.Value{"port": sensitive(cty.NumberIntVal(443))}),
		}),
	})
	obj := &state.Object{
		Value:  val,
		Status: state.ObjectTainted,
		Dependencies: []addrs.ConfigResource{
			mustConfigResource(t, "module.net.local_file.z"),
			mustConfigResource(t, "local_file.b"),
			mustConfigResource(t, "local_file.b"),
			mustConfigResource(t, "data.local_file.a"),
			mustConfigResource(t, "local_file.a"),
		},
		CreateBeforeDestroy: true,
	}
	src, err := obj.Encode(fileType, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantSrc := &state.ObjectSrc{
		SchemaVersion: 3,
		AttrsJSON:     []byte(`{"content":"hunter2","filename":"a.txt","id":"f1","rules":[{"port":80},{"port":443}],"tags":{"env":"prod","team":"edge"}}`),
		SensitivePaths: []cty.Path{
			cty.GetAttrPath("content"),
			cty.GetAttrPath("rules").IndexInt(1).GetAttr("port"),
			cty.GetAttrPath("tags").IndexString("env"),
		},
		Dependencies: []addrs.ConfigResource{
			mustConfigResource(t, "local_file.a"),
			mustConfigResource(t, "local_file.b"),
			mustConfigResource(t, "data.local_file.a"),
			mustConfigResource(t, "module.net.local_file.z"),
		},
		Status:              state.ObjectTainted,
		CreateBeforeDestroy: true,
	}
	if diff := cmp.Diff(wantSrc, src, state.CmpOptions); diff != "" {
		t.Errorf("encoded (-want +got):\n%s", diff)
	}

	back, err := src.Decode(fileType)
	if err != nil {
		t.Fatal(err)
	}
	obj.Dependencies = wantSrc.Dependencies
	if diff := cmp.Diff(obj, back, state.CmpOptions); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

func TestObjectEncodeErrors(t *testing.T) {
	t.Parallel()
	ty := cty.Object(map[string]cty.Type{"id": cty.String, "tags": cty.Map(cty.String)})
	tests := []struct {
		name string
		obj  state.Object
		want string
	}{
		{
			name: "unknown",
			obj: state.Object{Status: state.ObjectReady, Value: cty.ObjectVal(map[string]cty.Value{
				"id":   cty.StringVal("x"),
				"tags": cty.MapVal(map[string]cty.Value{"a": cty.UnknownVal(cty.String)}),
			})},
			want: `tags["a"] is unknown; the state records only known values`,
		},
		{
			name: "no status",
			obj:  state.Object{Value: cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("x"), "tags": cty.NullVal(cty.Map(cty.String))})},
			want: "status ObjectInvalid is neither ObjectReady nor ObjectTainted",
		},
		{
			name: "wrong type",
			obj:  state.Object{Status: state.ObjectReady, Value: cty.ObjectVal(map[string]cty.Value{"id": cty.True})},
			want: "encoding object",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.obj.Encode(ty, 0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestObjectDecodeWrongType(t *testing.T) {
	t.Parallel()
	_, err := object(`{"id":1,"extra":true}`).Decode(cty.Object(map[string]cty.Type{"id": cty.List(cty.String)}))
	if err == nil {
		t.Error("decoding attributes that do not fit the type succeeded")
	}
}
