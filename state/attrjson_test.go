package state

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The expected values in these tests are what ctyjson.Unmarshal gives:
// decodeAttrs replaces it, and must give what it gives.

var (
	attrsLocalFile = cty.Object(map[string]cty.Type{
		"filename":        cty.String,
		"content":         cty.String,
		"content_sha256":  cty.String,
		"id":              cty.String,
		"file_permission": cty.String,
		"size":            cty.Number,
		"sensitive":       cty.Bool,
	})
	attrsRule = cty.Object(map[string]cty.Type{
		"port":  cty.Number,
		"cidrs": cty.Set(cty.String),
	})
	attrsOptional = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
		"a": cty.String,
		"b": cty.Number,
	}, []string{"b"})
	attrsNested = cty.Object(map[string]cty.Type{
		"name":  cty.String,
		"rule":  cty.List(attrsRule),
		"tags":  cty.Map(cty.String),
		"pair":  cty.Tuple([]cty.Type{cty.String, cty.Number}),
		"any":   cty.DynamicPseudoType,
		"opt":   attrsOptional,
		"opts":  cty.List(attrsOptional),
		"anys":  cty.List(cty.DynamicPseudoType),
		"sizes": cty.Map(cty.Number),
		"flags": cty.Set(cty.Bool),
		"empty": cty.EmptyObject,
		"unit":  cty.EmptyTuple,
	})
)

// ctyjsonUnmarshal is the reference: ctyjson.Unmarshal, with a panic
// reported as such, for the inputs decodeAttrs rejects where ctyjson
// panics.
func ctyjsonUnmarshal(data []byte, ty cty.Type) (val cty.Value, err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			val, err, panicked = cty.NilVal, fmt.Errorf("ctyjson panicked: %v", r), true
		}
	}()
	val, err = ctyjson.Unmarshal(data, ty)
	return val, err, false
}

// checkAgrees fails t unless decodeAttrs and ctyjson both fail (or ctyjson
// panics and decodeAttrs fails) or both give the same value.
func checkAgrees(t *testing.T, data []byte, ty cty.Type) (cty.Value, error) {
	t.Helper()
	want, wantErr, panicked := ctyjsonUnmarshal(data, ty)
	got, err := decodeAttrs(data, ty)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("decodeAttrs(%q, %s) = %#v; ctyjson fails: %v", data, ty.FriendlyName(), got, wantErr)
	case wantErr == nil && err != nil:
		t.Fatalf("decodeAttrs(%q, %s) fails: %v; ctyjson gives %#v", data, ty.FriendlyName(), err, want)
	case wantErr == nil && !got.RawEquals(want):
		t.Fatalf("decodeAttrs(%q, %s):\n got %#v\nwant %#v", data, ty.FriendlyName(), got, want)
	}
	if err != nil && !panicked {
		var pe cty.PathError
		if !errors.As(err, &pe) {
			t.Fatalf("decodeAttrs(%q, %s) fails with a %T, not a cty.PathError: %v", data, ty.FriendlyName(), err, err)
		}
	}
	return got, err
}

func TestDecodeAttrs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ty   cty.Type
		data string
		// wantErr, when set, is the attribute path the error names;
		// "-" for the whole value.
		wantErr string
	}{
		{"local_file", attrsLocalFile, `{"content":"hello","content_sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","file_permission":"0644","filename":"files/a.txt","id":"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d","sensitive":false,"size":5}`, ""},
		{"missing attributes are null", attrsLocalFile, `{"id":"x"}`, ""},
		{"explicit nulls", attrsLocalFile, `{"id":null,"size":null,"sensitive":null,"content":"c"}`, ""},
		{"whitespace everywhere", attrsNested, " \t\r\n{ \"name\" : \"n\" ,\n\"rule\" : [ { \"port\" : 80 , \"cidrs\" : [ \"a\" , \"b\" ] } ] , \"tags\" : { } , \"pair\" : [ \"x\" , 1 ] } \n", ""},
		{"last of a repeated attribute wins", attrsLocalFile, `{"id":"a","id":"b"}`, ""},
		{"null whole value", attrsLocalFile, `null`, ""},
		{"null whole value with trailing data", attrsLocalFile, `null}`, ""},
		{"data after the value is ignored", attrsLocalFile, `{"id":"x"} {"id":`, ""},
		{"empty object", attrsLocalFile, `{}`, ""},
		{"no attributes", cty.EmptyObject, `{}`, ""},
		{"whole value null of list", cty.List(cty.String), `null`, ""},

		{"numbers", cty.List(cty.Number), `[0,-0,1,-1.5,0.1,1e400,1E+2,2e-3,123456789012345678901234567890.5,9007199254740993]`, ""},
		{"leading zero at top level ends the number", cty.Number, `0123`, ""},
		{"number at top level with trailing letters", cty.Number, `12abc`, ""},
		{"leading zero in a list", cty.List(cty.Number), `[0123]`, "-"},
		{"number from a string", cty.Number, `"12.5"`, ""},
		{"infinity from a string", cty.Number, `"-Inf"`, ""},
		{"number from a bad string", attrsLocalFile, `{"size":"twelve"}`, "size"},
		{"number from a bool", attrsLocalFile, `{"size":true}`, "size"},
		{"number with a dot and no digits", cty.Number, `1.`, "-"},
		{"number with an empty exponent", cty.Number, `1e+`, "-"},
		{"lone minus", cty.Number, `-`, "-"},
		{"plus sign", cty.Number, `+1`, "-"},
		{"string from a number keeps its text", cty.String, `1.50e3`, ""},
		{"string from a bool", cty.List(cty.String), `[true,false]`, ""},
		{"bool from strings", cty.List(cty.Bool), `["true","false","1","0"]`, ""},
		{"bool from a bad string", cty.Bool, `"yes"`, "-"},
		{"bool from a number", cty.Bool, `1`, "-"},
		{"truncated literal", cty.Bool, `tru`, "-"},
		{"misspelt literal", cty.Bool, `[trUe]`, "-"},
		{"literal with trailing data at top level", cty.Bool, `truex`, ""},
		{"literal with trailing data in a list", cty.List(cty.Bool), `[truex]`, "-"},

		{"escapes", cty.String, `"\"\\\/\b\f\n\r\t\u00e9\u00C9"`, ""},
		{"surrogate pair", cty.String, `"\ud83d\ude00"`, ""},
		{"lone high surrogate", cty.String, `"a\ud800b"`, ""},
		{"lone high surrogate at the end", cty.String, `"a\ud800"`, ""},
		{"two high surrogates", cty.String, `"\ud800\ud800\udc00"`, ""},
		{"high surrogate and a letter", cty.String, `"\ud800\u0041"`, ""},
		{"lone low surrogate", cty.String, `"\udc00"`, ""},
		{"decomposed string is normalized", cty.String, "\"e\u0301\"", ""},
		{"decomposed escape is normalized", cty.String, `"e\u0301"`, ""},
		{"invalid UTF-8 is replaced", cty.String, "\"a\xffb\xe2\x82\"", ""},
		{"invalid UTF-8 with an escape", cty.String, "\"\\n\xc3\"", ""},
		{"valid UTF-8", cty.String, `"日本語 ✓"`, ""},
		{"control character in a string", attrsLocalFile, "{\"content\":\"a\nb\"}", "content"},
		{"bad escape", attrsLocalFile, `{"content":"\x"}`, "content"},
		{"short unicode escape", attrsLocalFile, `{"content":"\u12"}`, "content"},
		{"bad unicode escape", attrsLocalFile, `{"content":"\u12g4"}`, "content"},
		{"bad escape after a high surrogate", cty.String, `"\ud800\u12g4"`, "-"},
		{"unterminated string", attrsLocalFile, `{"content":"abc`, "content"},
		{"unterminated escape", cty.String, `"abc\`, "-"},
		{"escaped attribute name", attrsLocalFile, `{"\u0069d":"x"}`, ""},
		{"invalid UTF-8 in an attribute name", attrsLocalFile, "{\"i\xffd\":\"x\"}", "-"},

		{"nested", attrsNested, `{"name":"n","rule":[{"port":80,"cidrs":["10.0.0.0/8","10.0.0.0/8"]},{"port":443,"cidrs":[]}],"tags":{"env":"prod","env":"dev","team":"edge"},"pair":["a",1],"opt":{"a":"x"},"opts":[{"a":"y","b":2},{"a":"z"}],"sizes":{"x":1},"flags":[true,false,true],"empty":{},"unit":[]}`, ""},
		{"empty collections", attrsNested, `{"rule":[],"tags":{},"sizes":{},"flags":[],"opts":[],"anys":[]}`, ""},
		{"nulls in collections", attrsNested, `{"rule":[null],"tags":{"a":null},"flags":[null,true],"pair":[null,null]}`, ""},
		{"unicode map keys", cty.Map(cty.String), "{\"é\":\"a\",\"\\u00e9x\":\"b\",\"e\u0301y\":\"c\"}", ""},
		{"list of lists", cty.List(cty.List(cty.String)), `[["a"],[],["b","c"]]`, ""},
		{"many elements", cty.List(cty.Number), `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]`, ""},
		{"set of objects", cty.Set(attrsRule), `[{"port":1},{"port":1},{"port":2,"cidrs":["a"]}]`, ""},

		{"unsupported attribute", attrsNested, `{"rule":[{"port":80,"protocol":"tcp"}]}`, "rule[0]"},
		{"normalized name is not the attribute's", cty.Object(map[string]cty.Type{"é": cty.String}), "{\"e\u0301\":\"x\"}", "-"},
		{"string where a list is", attrsNested, `{"rule":"x"}`, "rule"},
		{"object where a list is", attrsNested, `{"rule":{}}`, "rule"},
		{"list where a string is", attrsNested, `{"name":["x"]}`, "name"},
		{"object where a string is", attrsNested, `{"name":{"a":1}}`, "name"},
		{"wrong element", attrsNested, `{"rule":[{"port":80},{"port":"http"}]}`, "rule[1].port"},
		{"wrong map element", attrsNested, `{"tags":{"env":["prod"]}}`, `tags["env"]`},
		{"wrong set element", attrsNested, `{"flags":[true,"maybe"]}`, "flags[…]"},
		{"array where an object is", attrsLocalFile, `["x"]`, "-"},
		{"trailing comma in an object", attrsLocalFile, `{"id":"x",}`, "-"},
		{"trailing comma in a list", attrsNested, `{"rule":[{"port":1},]}`, "rule[1]"},
		{"leading comma in a list", attrsNested, `{"tags":{},"flags":[,true]}`, "flags[…]"},
		{"missing comma in an object", attrsLocalFile, `{"id":"x" "size":1}`, "-"},
		{"missing comma in a list", cty.List(cty.String), `["a" "b"]`, "-"},
		{"missing colon", attrsLocalFile, `{"id" "x"}`, "-"},
		{"number as a key", cty.Map(cty.String), `{1:"x"}`, "-"},
		{"unclosed object", attrsLocalFile, `{"id":"x"`, "-"},
		{"unclosed list", cty.List(cty.String), `["a",`, "[1]"},
		{"list closed with a brace", cty.List(cty.String), `["a"}`, "-"},
		{"object closed with a bracket", attrsLocalFile, `{"id":"x"]`, "-"},
		{"empty input", attrsLocalFile, ``, "-"},
		{"only whitespace", cty.String, " \n", "-"},
		{"byte order mark", attrsLocalFile, "\ufeff{}", "-"},
		{"closing bracket alone", cty.List(cty.String), `]`, "-"},

		{"tuple", cty.Tuple([]cty.Type{cty.String, cty.Number, cty.Bool}), `["a",1,true]`, ""},
		{"empty tuple", cty.EmptyTuple, `[]`, ""},
		{"too many tuple elements", attrsNested, `{"pair":["a",1,2]}`, "pair"},
		{"not enough tuple elements", attrsNested, `{"pair":["a"]}`, "pair"},
		{"no tuple elements", attrsNested, `{"pair":[]}`, "pair"},

		{"dynamic", attrsNested, `{"any":{"value":[1,"x"],"type":["tuple",["number","string"]]}}`, ""},
		{"dynamic with the type first", attrsNested, `{"any":{"type":["map","string"],"value":{"a":"b"}}}`, ""},
		{"dynamic null", attrsNested, `{"any":null,"anys":[null,{"value":1,"type":"number"}]}`, ""},
		{"dynamic of null", attrsNested, `{"any":{"value":null,"type":"string"}}`, ""},
		{"dynamic within dynamic", cty.DynamicPseudoType, `{"value":{"value":true,"type":"bool"},"type":"dynamic"}`, ""},
		{"dynamic with trailing data", cty.DynamicPseudoType, `{"value":1,"type":"number"}x`, ""},
		{"dynamic list of one type", attrsNested, `{"anys":[{"value":1,"type":"number"},{"value":2,"type":"number"}]}`, ""},
		{"dynamic with whitespace", cty.DynamicPseudoType, ` { "value" : "x" , "type" : "string" } `, ""},
		{"dynamic whose value is wrong", attrsNested, `{"any":{"value":{"a":"b"},"type":["object",{"a":"number"}]}}`, "any.a"},
		{"dynamic without a type", attrsNested, `{"any":{"value":1}}`, "any"},
		{"dynamic without a value", attrsNested, `{"any":{"type":"number"}}`, "any"},
		{"dynamic with a null type", attrsNested, `{"any":{"value":1,"type":null}}`, "any"},
		{"dynamic with a bad type", attrsNested, `{"any":{"value":1,"type":"integer"}}`, "any"},
		{"dynamic with another key", attrsNested, `{"any":{"value":1,"type":"number","x":1}}`, "any"},
		{"dynamic with a bad value", attrsNested, `{"any":{"value":[1,],"type":["list","number"]}}`, "any"},
		{"dynamic not an object", attrsNested, `{"any":"x"}`, "any"},
		{"dynamic empty", attrsNested, `{"any":{}}`, "any"},

		// ctyjson panics on these.
		{"dynamic list elements of different types", attrsNested, `{"anys":[{"value":1,"type":"number"},{"value":"x","type":"string"}]}`, "anys"},
		{"null and non-null objects with optional attributes", attrsNested, `{"opts":[null,{"a":"x"}]}`, "opts"},
		{"map keys that normalize to the same string", cty.Map(cty.String), "{\"é\":\"a\",\"e\u0301\":\"b\"}", "-"},
		{"dynamic type with an undeclared optional attribute", attrsNested, `{"any":{"value":{},"type":["object",{},["a"]]}}`, "any"},
		{"dynamic type with attribute names that normalize to the same string", attrsNested, "{\"any\":{\"value\":{},\"type\":[\"object\",{\"é\":\"string\",\"e\u0301\":\"string\"}]}}", "any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := checkAgrees(t, []byte(tt.data), tt.ty)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error; want one at %s", tt.wantErr)
			case err == nil:
				return
			}
			want := tt.wantErr
			if want == "-" {
				want = "the whole value"
			}
			if !strings.HasPrefix(err.Error(), want+": ") {
				t.Errorf("error %q does not start with the path %q", err, want)
			}
			var pe cty.PathError
			if errors.As(err, &pe) && formatPath(pe.Path) != want {
				t.Errorf("error's path is %s; want %s", formatPath(pe.Path), want)
			}
		})
	}
}

// A value of a capsule type is never recorded: decodeAttrs refuses one,
// where ctyjson would decode it with encoding/json.
func TestDecodeAttrsCapsule(t *testing.T) {
	t.Parallel()
	ty := cty.Object(map[string]cty.Type{"c": cty.Capsule("thing", reflect.TypeFor[string]())})
	if _, err := decodeAttrs([]byte(`{"c":"x"}`), ty); err == nil || !strings.HasPrefix(err.Error(), "c: ") {
		t.Errorf("decoding a capsule: error %v; want one at c", err)
	}
	got, err := decodeAttrs([]byte(`{"c":null}`), ty)
	if err != nil {
		t.Fatal(err)
	}
	if want := cty.ObjectVal(map[string]cty.Value{"c": cty.NullVal(ty.AttributeType("c"))}); !got.RawEquals(want) {
		t.Errorf("got %#v; want %#v", got, want)
	}
}

// Nesting past encoding/json's limit is refused where ctyjson reads a
// value before it knows its type, and accepted up to it.
func TestDecodeAttrsDepth(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{attrMaxDepth - 1, attrMaxDepth, attrMaxDepth + 1} {
		data := `{"type":"string","value":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
		checkAgrees(t, []byte(data), cty.DynamicPseudoType)
	}
}

// fuzzAttrTypes are the types FuzzDecodeAttrs decodes each input with.
var fuzzAttrTypes = []cty.Type{
	attrsLocalFile,
	attrsNested,
	cty.List(cty.String),
	cty.Map(cty.Number),
	cty.Set(cty.Bool),
	cty.String,
	cty.Number,
	cty.DynamicPseudoType,
}

// FuzzDecodeAttrs checks that decodeAttrs agrees with ctyjson on any
// input, as a state file that a user edited may hold, and never panics.
func FuzzDecodeAttrs(f *testing.F) {
	f.Add([]byte(`{"content":"hello","content_sha256":"2cf2","file_permission":"0644","filename":"files/a.txt","id":"aaf4","sensitive":false,"size":5}`))
	f.Add([]byte(`{"name":"n","rule":[{"port":80,"cidrs":["a","b"]}],"tags":{"env":"prod"},"pair":["a",1],"opt":{"a":"x"},"opts":[{"a":"y","b":2}],"sizes":{"x":1.5e3},"flags":[true],"empty":{},"unit":[]}`))
	f.Add([]byte(`{"any":{"value":[1,"x"],"type":["tuple",["number","string"]]},"anys":[null,{"value":1,"type":"number"}]}`))
	f.Add([]byte(`{"value":{"a":"\ud83d\ude00\u00e9"},"type":["map","string"]}`))
	f.Add([]byte(`["a\ud800","e\u0301","\"\\\/\b\f\n\r\t"]`))
	f.Add([]byte("[\"\xff\", \"é\"]"))
	f.Add([]byte(`{"a":1,"b":-0.5e-3,"c":"12"}`))
	f.Add([]byte(`[true,false,null,"true","0"]`))
	f.Add([]byte(`0123`))
	f.Add([]byte(`{"value":{"a":null},"type":["object",{"a":"string","b":["list","number"]},["b"]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ty := range fuzzAttrTypes {
			checkAgrees(t, data, ty)
		}
	})
}

// BenchmarkDecodeAttrs decodes the attributes of a local_file, the most
// common kind of object in a plan, with ctyjson and with decodeAttrs.
func BenchmarkDecodeAttrs(b *testing.B) {
	val := cty.ObjectVal(map[string]cty.Value{
		"filename":        cty.StringVal("files/file_00042.txt"),
		"content":         cty.StringVal("hello from file 42\n"),
		"content_sha256":  cty.StringVal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
		"id":              cty.StringVal("4d9e0a2dbb2c8c1c7c8a3f1e9d2b6c5a4e3f2d1c"),
		"file_permission": cty.StringVal("0644"),
		"size":            cty.NumberIntVal(19),
		"sensitive":       cty.False,
	})
	data, err := ctyjson.Marshal(val, attrsLocalFile)
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name   string
		decode func([]byte, cty.Type) (cty.Value, error)
	}{
		{"ctyjson", ctyjson.Unmarshal},
		{"fast", decodeAttrs},
	} {
		b.Run(bm.name, func(b *testing.B) {
			got, err := bm.decode(data, attrsLocalFile)
			if err != nil || !got.RawEquals(val) {
				b.Fatalf("decoding gives %#v, %v; want %#v", got, err, val)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.decode(data, attrsLocalFile); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
