package state

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzJSONReader checks the state reader's JSON against encoding/json: it
// accepts exactly what json.Valid accepts, compacts a value as json.Compact
// does, and reads a string as json.Unmarshal does. The state file format's
// own fuzz target, FuzzReadFile, builds on this.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `true`, `null`,
		`{"a": [1, 2, {"b": null}], "c": "\u00e9\ud83d\ude00\n\"\\\/"}`,
		`"\ud800"`, `"\ud800\u0041"`, "\"\xff\"", `"\u2028"`,
		`01`, `1.`, `-`, `.5`, `1e`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `tru`, `nul`, `"\x"`, "\"\t\"",
		`[[[[[[[[[[]]]]]]]]]]`, ` { "a" : "b" } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &jsonReader{data: data}
		got, err := r.raw()
		if err == nil {
			err = r.end()
		}
		valid := json.Valid(data)
		if (err == nil) != valid {
			t.Fatalf("reader error %v, json.Valid %v", err, valid)
		}
		if !valid {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compacted\n%s\nwant\n%s", got, want.Bytes())
		}

		var wantStr string
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte(`"`)) && json.Unmarshal(data, &wantStr) == nil {
			r := &jsonReader{data: data}
			gotStr, err := r.str()
			if err != nil || gotStr != wantStr {
				t.Fatalf("str() = %q, %v; json.Unmarshal gives %q", gotStr, err, wantStr)
			}
			r = &jsonReader{data: data}
			if interned, err := r.internStr(); err != nil || interned != wantStr {
				t.Fatalf("internStr() = %q, %v; want %q", interned, err, wantStr)
			}
			// appendJSONString writes what reads back the same.
			enc := appendJSONString(nil, wantStr)
			var back string
			if err := json.Unmarshal(enc, &back); err != nil || back != wantStr {
				t.Fatalf("appendJSONString(%q) = %s, which reads back as %q (%v)", wantStr, enc, back, err)
			}
			var std bytes.Buffer
			e := json.NewEncoder(&std)
			e.SetEscapeHTML(false)
			_ = e.Encode(wantStr)
			if !bytes.Equal(bytes.TrimSuffix(std.Bytes(), []byte("\n")), enc) {
				t.Fatalf("appendJSONString(%q) = %s, encoding/json writes %s", wantStr, enc, std.Bytes())
			}
		}
	})
}
