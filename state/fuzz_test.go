package state_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// FuzzReadFile feeds arbitrary bytes to ReadFile: it never panics, it
// fails only with the errors it documents, and a state it accepts writes
// and reads back equal, with every address printed in a form that the
// addrs parse functions read back as the same address.
func FuzzReadFile(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// Cut short, as a crashed writer without atomic writes would leave it.
		f.Add(data[:len(data)/2])
		f.Add(data[:len(data)-2])
	}
	f.Add([]byte(minimal))
	f.Add([]byte(`{"format_version": 3}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "resources": [{"module": "module.m[\"k\"]", "mode": "data", "type": "t", "name": "n", "provider": "a/b", "instances": [{"index_key": "k", "attributes": {}}]}]}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "outputs": {"o": {"value": {"value": 1, "type": "number"}, "type": "dynamic", "sensitive": true}}}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "clusters": [{"name": "c", "provider": "a/b", "server_groups": [{"name": "c-v001", "created_at": "2025-01-01T00:00:00.5+01:00"}], "history": [{"id": "1", "outcome": "failed"}]}]}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "clusters": [{"name": "c", "provider": "a/b", "config": "cluster.c", "history": [{"id": "1", "kind": "resume", "from": ["c-v001", ""], "outcome": "canary_failed", "steps": [{"description": "d", "started": "2025-01-01T00:00:00.5+01:00", "error": "e", "rollback": true}, {"description": "\u2028", "ended": "2025-01-01T00:00:00Z"}]}]}]}`))

	// Values whose encoding could change between a read and a write.
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "outputs": {"a": {"value": 1e400, "type": "number"}, "b": {"value": -0, "type": "number"}, "c": {"value": 0.1, "type": "number"}, "d": {"value": 123456789012345678901234567890.5, "type": "number"}, "e": {"value": "e\u0301 \u2028 <&> \ud800", "type": "string"}, "f": {"value": null, "type": "dynamic"}, "g": {"value": {"a": [1, "x"]}, "type": ["object", {"a": ["tuple", ["number", "string"]]}]}}}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "resources": [{"mode": "managed", "type": "t", "name": "n", "provider": "a/b/c", "instances": [{"index_key": 9223372036854775807, "attributes": {"a":  "\u003c\ud800"}, "sensitive_attributes": [[], [{"type": "index", "value": 0}]], "dependencies": ["t.n", "module.m.data.x.y", "t . n"]}]}]}`))
	f.Add([]byte(`{"format_version": 1, "lineage": "x", "clusters": [{"name": "c", "provider": "a/b", "history": [{"id": "1", "outcome": "succeeded", "started": "0001-01-01T00:00:00Z", "finished": "2025-01-01T23:59:59.999999999-23:59"}]}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := state.ReadFile(bytes.NewReader(data))
		if err != nil {
			var fe *state.FormatError
			if !errors.As(err, &fe) && !errors.Is(err, state.ErrUnsupportedFormat) {
				t.Fatalf("ReadFile failed with an undocumented error %T: %v", err, err)
			}
			return
		}
		checkAddrsRoundTrip(t, s)

		var buf bytes.Buffer
		if err := state.WriteFile(&buf, s, s.TackVersion); err != nil {
			t.Fatalf("ReadFile accepted a state that WriteFile refuses: %v", err)
		}
		back, err := state.ReadFile(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("reading back what WriteFile wrote: %v\n%s", err, buf.Bytes())
		}
		if diff := cmp.Diff(s, back, state.CmpOptions); diff != "" {
			t.Fatalf("state changed in a write and read (-first +second):\n%s", diff)
		}
		var again bytes.Buffer
		if err := state.WriteFile(&again, back, back.TackVersion); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatalf("two writes of equal states differ:\n%s", cmp.Diff(buf.String(), again.String()))
		}
	})
}

func checkAddrsRoundTrip(t *testing.T, s *state.State) {
	t.Helper()
	for key, rs := range s.Resources {
		back, diags := addrs.ParseAbsResourceStr(key)
		if diags.HasErrors() || !back.Equal(rs.Addr) {
			t.Fatalf("resource %s does not parse back: %v %s", key, back, diags.Error())
		}
		for k, is := range rs.Instances {
			inst := rs.Addr.Instance(k)
			back, diags := addrs.ParseAbsResourceInstanceStr(inst.String())
			if diags.HasErrors() || !back.Equal(inst) {
				t.Fatalf("instance %s does not parse back: %#v %s", inst, back, diags.Error())
			}
			objs := []*state.ObjectSrc{is.Current}
			for _, o := range is.Deposed {
				objs = append(objs, o)
			}
			for _, o := range objs {
				if o == nil {
					continue
				}
				for _, dep := range o.Dependencies {
					back, diags := addrs.ParseAbsResourceInstanceStr(dep.String())
					if diags.HasErrors() || !back.ConfigResource().Equal(dep) {
						t.Fatalf("dependency %s does not parse back: %s", dep, diags.Error())
					}
				}
			}
		}
	}
}
