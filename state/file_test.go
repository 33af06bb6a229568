package state_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with the file testdata/name, or rewrites the file
// with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func writeState(t testing.TB, s *state.State) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := state.WriteFile(&buf, s, "0.1.0"); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteFileGolden(t *testing.T) {
	t.Parallel()
	golden(t, "write-full/state.json", writeState(t, fullState(t)))
}

func TestWriteFileEmptyGolden(t *testing.T) {
	t.Parallel()
	s := state.New()
	s.Lineage = "00000000-0000-4000-8000-000000000000"
	golden(t, "write-empty/state.json", writeState(t, s))
}

func TestReadFileRoundTrip(t *testing.T) {
	t.Parallel()
	want := fullState(t)
	data := writeState(t, want)
	got, err := state.ReadFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want.TackVersion = "0.1.0"
	if diff := cmp.Diff(want, got, state.CmpOptions); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if again := writeState(t, got); !bytes.Equal(data, again) {
		t.Errorf("writing the state read back changed the file:\n%s", cmp.Diff(string(data), string(again)))
	}
}

// Two writes of equal states are byte-identical, however the maps iterate.
func TestWriteFileDeterministic(t *testing.T) {
	t.Parallel()
	first := writeState(t, fullState(t))
	for range 20 {
		if got := writeState(t, fullState(t).DeepCopy()); !bytes.Equal(first, got) {
			t.Fatalf("two writes of equal states differ:\n%s", cmp.Diff(string(first), string(got)))
		}
	}
}

// A file of format version 1 written before clusters recorded their
// configuration address and deployments their origin, kind and steps
// reads with those fields empty, and writes back byte for byte: the fields
// are optional, and left out when empty.
func TestReadFileBeforeSteps(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "read-before-steps", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := state.ReadFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := fullState(t)
	want.TackVersion = "0.1.0"
	c := want.Clusters["api-prod"]
	c.Config, c.Environment, c.Protected = "", "", false
	c.History = c.History[1:] // d-0 came with the new fields
	for _, d := range c.History {
		d.From, d.Kind, d.Steps = nil, "", nil
	}
	want.Environments, want.Overrides = map[string]*state.Environment{}, nil // format version 2
	if diff := cmp.Diff(want, got, state.CmpOptions); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Written back, it is the same but for the format version it was
	// upgraded to.
	data = bytes.Replace(data, []byte(`"format_version": 1,`), []byte(`"format_version": 2,`), 1)
	if again := writeState(t, got); !bytes.Equal(data, again) {
		t.Errorf("writing the state back changed the file:\n%s", cmp.Diff(string(data), string(again)))
	}
}

// minimal is the smallest valid state file with one resource; the error
// cases below edit it.
const minimal = `{
  "format_version": 1,
  "tack_version": "0.1.0",
  "lineage": "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99",
  "serial": 1,
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "local_file",
      "name": "a",
      "provider": "tack/local",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {"id": "a"}
        }
      ]
    }
  ],
  "clusters": []
}`

func TestReadFileMinimal(t *testing.T) {
	t.Parallel()
	s, err := state.ReadFile(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := &state.State{
		Lineage:     "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99",
		Serial:      1,
		TackVersion: "0.1.0",
		Resources: map[string]*state.Resource{"local_file.a": {
			Addr:      mustResource(t, "local_file.a"),
			Provider:  localProvider,
			Instances: map[addrs.InstanceKey]*state.ResourceInstance{addrs.NoKey: {Current: object(`{"id":"a"}`)}},
		}},
	}
	if diff := cmp.Diff(want, s, state.CmpOptions); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadFileErrors(t *testing.T) {
	t.Parallel()
	edit := func(old, new string) string {
		if !strings.Contains(minimal, old) {
			panic("minimal has no " + old)
		}
		return strings.Replace(minimal, old, new, 1)
	}
	instance := func(fields string) string {
		return edit(`"schema_version": 0,`, `"schema_version": 0, `+fields+`,`)
	}
	// v2 is minimal in format version 2 with fields added at the end.
	v2 := func(fields string) string {
		s := strings.Replace(edit(`"clusters": []`, `"clusters": [], `+fields), `"format_version": 1`, `"format_version": 2`, 1)
		return s
	}
	tests := []struct {
		name     string
		input    string
		want     string // in the error message
		wantPath string // FormatError.Path; "-" for an error that is not a FormatError
	}{
		{"empty", "", "invalid state file: the file is empty", ""},
		{"not json", "lineage = 1", "invalid state file: line 1, column 1: expected a JSON object, found invalid character 'l'", ""},
		{"truncated", minimal[:200], "the file ends in the middle of its JSON: it was cut short", ""},
		{"array", "[1, 2]", "unsupported state file format: the file holds a JSON array, not an object", "-"},
		{"terraform state", `{"version": 4, "lineage": "x", "serial": 1}`, "the file has no format_version; it is not a tack state file", "-"},
		{"version zero", edit(`"format_version": 1`, `"format_version": 0`), "no tack has written format version 0", "-"},
		{"version string", edit(`"format_version": 1`, `"format_version": "1"`), `"1" is not a version number`, "format_version"},
		{"version fraction", edit(`"format_version": 1`, `"format_version": 1.5`), "1.5 is not a version number", "format_version"},
		{"trailing data", minimal + "{}", "unexpected data after the end of the state's JSON object", ""},
		{"unknown field", edit(`"serial": 1,`, `"serial": 1, "seriall": 2,`), `unknown field "seriall"`, ""},
		{"no lineage", edit(`"lineage": "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99",`, ``), "missing: every state has a lineage", "lineage"},
		{"negative serial", edit(`"serial": 1`, `"serial": -1`), "line 5, column 13: -1 is not a whole number from 0 to 18446744073709551615", "serial"},
		{"bad mode", edit(`"managed"`, `"manged"`), `mode: "manged" is neither "managed" nor "data"`, "resources[0]"},
		{"bad type", edit(`"local_file"`, `"local file"`), `type: "local file" is not a valid resource type`, "resources[0]"},
		{"type module", edit(`"local_file"`, `"module"`), `a managed resource cannot be of type "module"`, "resources[0]"},
		{"bad name", edit(`"name": "a"`, `"name": "1a"`), `name: "1a" is not a valid resource name`, "resources[0]"},
		{"bad module", edit(`"mode"`, `"module": "module.net[", "mode"`), `module: "module.net[" is not a module instance address`, "resources[0]"},
		{"module with resource", edit(`"mode"`, `"module": "module.net.local_file.x", "mode"`), `module: "module.net.local_file.x" is not a module instance address`, "resources[0]"},
		{"bad provider", edit(`"tack/local"`, `"local"`), `local_file.a: provider: "local" is not a provider source address such as tack/local`, "resources[0]"},
		{"bad alias", edit(`"tack/local"`, `"tack/local", "provider_alias": "we st"`), `provider_alias: "we st" is not a valid alias`, "resources[0]"},
		{"no instances", edit(`"instances": [`, `"instances": [], "x": [`), `unknown field "x"`, "resources[0]"},
		{"empty instances", strings.Replace(minimal, minimal[strings.Index(minimal, `"instances": [`):strings.Index(minimal, "\n    }\n  ],")], `"instances": []`, 1), "local_file.a has no instances", "resources[0].instances"},
		{"float key", instance(`"index_key": 1.5`), "index_key: local_file.a: 1.5 is not an index key", "resources[0].instances[0]"},
		{"negative key", instance(`"index_key": -1`), "-1 is not an index key", "resources[0].instances[0]"},
		{"bool key", instance(`"index_key": true`), "true is not an index key", "resources[0].instances[0]"},
		{"null key", instance(`"index_key": null`), "null is not an index key", "resources[0].instances[0]"},
		{"non-NFC key", instance(`"index_key": "e\u0301"`), "is not UTF-8 text in Unicode normal form C", "resources[0].instances[0]"},
		{"bad deposed", instance(`"deposed": "XYZ"`), `deposed: local_file.a: "XYZ" is not a deposed key, which is 8 lowercase hexadecimal digits`, "resources[0].instances[0]"},
		{"bad status", instance(`"status": "ready"`), `status: local_file.a: "ready" is not a status`, "resources[0].instances[0]"},
		{"negative schema version", edit(`"schema_version": 0`, `"schema_version": -2`), "schema_version: local_file.a: -2 is negative", "resources[0].instances[0]"},
		{"attributes not object", edit(`{"id": "a"}`, `["a"]`), "attributes: local_file.a: the attributes must be a JSON object", "resources[0].instances[0]"},
		{"attributes missing", edit(`"attributes": {"id": "a"}`, `"create_before_destroy": true`), "the attributes must be a JSON object", "resources[0].instances[0]"},
		{"bad path step", instance(`"sensitive_attributes": [[{"type": "splat", "value": 1}]]`), `sensitive_attributes[0]: local_file.a: "splat" is not a path step type`, "resources[0].instances[0]"},
		{"bad index step", instance(`"sensitive_attributes": [[{"type": "index", "value": 1.5}]]`), "the value of an index step is a list index", "resources[0].instances[0]"},
		{"bad get_attr step", instance(`"sensitive_attributes": [[{"type": "get_attr", "value": 1}]]`), "the value of a get_attr step is an attribute name", "resources[0].instances[0]"},
		{"bad dependency", instance(`"dependencies": ["local_file"]`), `dependencies[0]: local_file.a: "local_file" is not a resource address`, "resources[0].instances[0]"},
		{"instance dependency", instance(`"dependencies": ["local_file.b[0]"]`), `"local_file.b[0]" names a resource instance; a dependency names a resource, as in local_file.b`, "resources[0].instances[0]"},
		{"module instance dependency", instance(`"dependencies": ["module.m[0].local_file.b"]`), `names a module instance; a dependency names a module, as in module.m.local_file.b`, "resources[0].instances[0]"},
		{"two current objects", edit(`"attributes": {"id": "a"}
        }`, `"attributes": {"id": "a"}
        }, {"attributes": {}}`), "local_file.a has two current objects", "resources[0].instances[1]"},
		{"duplicate field", edit(`"clusters": []`, `"clusters": [], "resources": []`), `line 21, column 19: field "resources" appears twice`, ""},
		{"duplicate resource", strings.Replace(minimal, `"resources": [`, `"resources": [{"mode": "managed", "type": "local_file", "name": "a", "provider": "tack/local", "instances": [{"attributes": {}}]},`, 1), "local_file.a is listed twice", "resources[1]"},
		{"output without type", edit(`"outputs": {}`, `"outputs": {"x": {"value": "a"}}`), "type is missing", "outputs.x"},
		{"output wrong type", edit(`"outputs": {}`, `"outputs": {"x": {"value": "a", "type": "number"}}`), "value:", "outputs.x"},
		{"output bad name", edit(`"outputs": {}`, `"outputs": {"a b": {"value": "a", "type": "string"}}`), `"a b" is not a valid output name`, "outputs.a b"},
		{"cluster without name", edit(`"clusters": []`, `"clusters": [{"provider": "tack/local", "server_groups": [], "history": []}]`), "missing: a cluster has a name", "clusters[0].name"},
		{"cluster twice", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local"}, {"name": "a", "provider": "tack/local"}]`), `cluster "a" is listed twice`, "clusters[1]"},
		{"bad weight", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "server_groups": [{"name": "a-v001", "weight": 101}]}]`), `cluster "a": server group "a-v001": weight 101 is not between 0 and 100`, "clusters[0].server_groups[0]"},
		{"server group twice", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "server_groups": [{"name": "a-v001"}, {"name": "a-v001"}]}]`), `server group "a-v001" is listed twice`, "clusters[0].server_groups[1]"},
		{"bad time", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "server_groups": [{"name": "a-v001", "created_at": "yesterday"}]}]`), `"yesterday" is not a time in RFC 3339 format`, "clusters[0].server_groups[0].created_at"},
		{"bad outcome", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "meh"}]}]`), `deployment "d1": outcome "meh" is not one of`, "clusters[0].history[0]"},
		{"bad kind", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "kind": "redeploy", "outcome": "failed"}]}]`), `cluster "a": deployment "d1": kind "redeploy" is not one of`, "clusters[0].history[0]"},
		{"step without description", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "failed", "steps": [{"description": "create a-v001"}, {"started": "2025-03-01T14:05:00Z", "error": "boom"}]}]}]`), `cluster "a": deployment "d1": a step has no description`, "clusters[0].history[0].steps[1]"},
		{"bad step time", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "failed", "steps": [{"description": "create a-v001", "ended": "soon"}]}]}]`), `"soon" is not a time in RFC 3339 format`, "clusters[0].history[0].steps[0].ended"},
		{"unknown step field", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "failed", "steps": [{"description": "x", "rolback": true}]}]}]`), `unknown field "rolback"`, "clusters[0].history[0].steps[0]"},
		{"from not strings", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "failed", "from": "a-v001"}]}]`), "expected an array", "clusters[0].history[0].from"},
		{"environments in version 1", edit(`"clusters": []`, `"clusters": [], "environments": []`), `unknown field "environments"`, ""},
		{"environment without name", v2(`"environments": [{"vetoes": []}]`), "missing: an environment has a name", "environments[0].name"},
		{"environment twice", v2(`"environments": [{"name": "prod"}, {"name": "prod"}]`), `environment "prod" is listed twice`, "environments[1]"},
		{"approval without cluster", v2(`"environments": [{"name": "prod", "approvals": [{"version": "2.0", "actor": "ana", "time": "2025-03-01T14:05:00Z"}]}]`), "an approval names its cluster", "environments[0].approvals[0].cluster"},
		{"veto without version", v2(`"environments": [{"name": "prod", "vetoes": [{"actor": "ana", "time": "2025-03-01T14:05:00Z"}]}]`), "a decision names a version", "environments[0].vetoes[0].version"},
		{"unknown pin field", v2(`"environments": [{"name": "prod", "pin": {"version": "2.0", "by": "ana"}}]`), `unknown field "by"`, "environments"},
		{"override without guardrail", v2(`"overrides": [{"reason": "x", "time": "2025-03-01T14:05:00Z"}]`), "an override names its guardrail", "overrides[0].guardrail"},
		{"bad override time", v2(`"overrides": [{"guardrail": "guardrail.a", "time": "now"}]`), `"now" is not a time in RFC 3339 format`, "overrides[0].time"},
		{"time out of range", edit(`"clusters": []`, `"clusters": [{"name": "a", "provider": "tack/local", "history": [{"id": "d1", "outcome": "failed", "started": "9999-12-31T23:00:00-05:00"}]}]`), "outside the years 1 to 9999", "clusters[0].history[0].started"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := state.ReadFile(strings.NewReader(tt.input))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var fe *state.FormatError
			switch {
			case tt.wantPath == "-":
				if !errors.Is(err, state.ErrUnsupportedFormat) {
					t.Errorf("error %v is not ErrUnsupportedFormat", err)
				}
			case !errors.As(err, &fe):
				t.Errorf("error %v (%T) is not a *FormatError", err, err)
			case fe.Path != tt.wantPath:
				t.Errorf("FormatError.Path = %q, want %q", fe.Path, tt.wantPath)
			}
		})
	}
}

func TestReadFileNewerVersion(t *testing.T) {
	t.Parallel()
	// A newer file may hold anything; only its version is read.
	_, err := state.ReadFile(strings.NewReader(`{"format_version": 3, "resources": {"a new": "shape"}}`))
	const want = "state file format version 3 is newer than this tack understands (2); upgrade tack to read it"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if !errors.Is(err, state.ErrNewerFormat) || !errors.Is(err, state.ErrUnsupportedFormat) {
		t.Errorf("error is not ErrNewerFormat and ErrUnsupportedFormat")
	}
}

func TestWriteFileRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(s *state.State)
		want   string
	}{
		{"no lineage", func(s *state.State) { s.Lineage = "" }, "the state has no lineage"},
		{"unknown output", func(s *state.State) { s.Outputs["x"] = &state.Output{Value: cty.UnknownVal(cty.String)} }, `output "x": the whole value is unknown`},
		{"marked output", func(s *state.State) {
			s.Outputs["x"] = &state.Output{Value: cty.StringVal("a").Mark(state.SensitiveMark)}
		}, "record sensitivity in Output.Sensitive"},
		{"output without value", func(s *state.State) { s.Outputs["x"] = &state.Output{} }, `output "x": no value`},
		{"unset status", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.x"), &state.ObjectSrc{AttrsJSON: []byte(`{}`)}, localProvider)
		}, "local_file.x: current object: status ObjectInvalid is neither ObjectReady nor ObjectTainted"},
		{"attributes not JSON", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.x[3]"), object(`{"a":`), localProvider)
		}, "local_file.x: [3] current object: the attributes are not a JSON object"},
		{"bad deposed key", func(s *state.State) {
			s.SetResourceInstanceDeposed(mustInstance(t, "local_file.x"), "nope", object(`{}`), localProvider)
		}, "the deposed key is not 8 lowercase hexadecimal digits"},
		{"bad type", func(s *state.State) {
			s.SetResourceInstanceCurrent(addrs.Resource{Mode: addrs.ManagedResourceMode, Type: "data", Name: "x"}.Absolute(nil).Instance(addrs.NoKey), object(`{}`), localProvider)
		}, `a managed resource cannot be of type "data"`},
		{"negative key", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustResource(t, "local_file.x").Instance(addrs.IntKey(-1)), object(`{}`), localProvider)
		}, "index -1 is negative"},
		{"bad provider", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.x"), object(`{}`), state.ProviderRef{Source: "local"})
		}, `"local" is not a provider source address`},
		{"unknown sensitive index", func(s *state.State) {
			o := object(`{}`)
			o.SensitivePaths = []cty.Path{cty.GetAttrPath("a").Index(cty.UnknownVal(cty.String))}
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.x"), o, localProvider)
		}, "an index is unknown, null or marked"},
		{"cluster under another name", func(s *state.State) { s.Clusters["x"] = &state.Cluster{Name: "y", Provider: localProvider} }, "recorded under the wrong name"},
		{"deployment without id", func(s *state.State) {
			s.Clusters["api-prod"].History = append(s.Clusters["api-prod"].History, &state.Deployment{Outcome: state.DeploymentFailed})
		}, "a deployment has no id"},
		{"bad kind", func(s *state.State) { s.Clusters["api-prod"].History[1].Kind = "redeploy" }, `cluster "api-prod": deployment "d-1": kind "redeploy" is not one of`},
		{"step without description", func(s *state.State) { s.Clusters["api-prod"].History[1].Steps[2].Description = "" }, `deployment "d-1": step 2: a step has no description`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := fullState(t)
			tt.change(s)
			var buf bytes.Buffer
			err := state.WriteFile(&buf, s, "0.1.0")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("a refused write wrote %d bytes", buf.Len())
			}
		})
	}
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	data := writeState(t, fullState(t))
	lineage, serial, err := state.Identify(data)
	if err != nil || lineage != "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99" || serial != 7 {
		t.Errorf("Identify = %q, %d, %v", lineage, serial, err)
	}
	// Fields in another order are found too.
	lineage, serial, err = state.Identify([]byte(`{"resources": [], "serial": 3, "lineage": "x", "format_version": 1}`))
	if err != nil || lineage != "x" || serial != 3 {
		t.Errorf("Identify = %q, %d, %v", lineage, serial, err)
	}
	if _, _, err := state.Identify([]byte(`{"format_version": 3, "lineage": "x", "serial": 1}`)); !errors.Is(err, state.ErrNewerFormat) {
		t.Errorf("newer format: %v", err)
	}
	if _, _, err := state.Identify([]byte(`{"format_version": 1, "serial": 1}`)); err == nil || !strings.Contains(err.Error(), "lineage") {
		t.Errorf("no lineage: %v", err)
	}
	if _, _, err := state.Identify([]byte(`{"version": 4}`)); !errors.Is(err, state.ErrUnsupportedFormat) {
		t.Errorf("not a tack state: %v", err)
	}
}
