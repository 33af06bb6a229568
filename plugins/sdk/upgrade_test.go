package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// upgradeProvider has one resource at schema version 2, with the history
// a vendor would have: v0 called the name "host", v1 recorded the port as
// a string, v2 records it as a number.
func upgradeProvider(upgraders map[int64]func(context.Context, map[string]any) (map[string]any, error)) *sdk.Provider {
	return &sdk.Provider{
		Name:    "test",
		Version: "1.2.0",
		Resources: map[string]*sdk.Resource{"test_server": {
			SchemaVersion: 2,
			Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"id":   {Type: cty.String, Computed: true},
				"name": {Type: cty.String, Required: true},
				"port": {Type: cty.Number, Optional: true},
			}},
			Upgraders: upgraders,
		}},
	}
}

func renameHost(_ context.Context, s map[string]any) (map[string]any, error) {
	s["name"] = s["host"]
	delete(s, "host")
	return s, nil
}

func portToNumber(_ context.Context, s map[string]any) (map[string]any, error) {
	str, ok := s["port"].(string)
	if !ok {
		return s, nil
	}
	n, err := strconv.Atoi(str)
	if err != nil {
		return nil, fmt.Errorf("port %q is not a number", str)
	}
	s["port"] = n
	return s, nil
}

func TestUpgradeResourceState(t *testing.T) {
	t.Parallel()
	full := map[int64]func(context.Context, map[string]any) (map[string]any, error){0: renameHost, 1: portToNumber}
	want := cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("i-1"), "name": cty.StringVal("web"), "port": cty.NumberIntVal(8080)})
	tests := []struct {
		name      string
		upgraders map[int64]func(context.Context, map[string]any) (map[string]any, error)
		version   int64
		raw       string
		want      cty.Value
		// wantSummary and wantDetail (phrases the detail must contain)
		// describe the one error expected instead of a state.
		wantSummary string
		wantDetail  []string
	}{
		{
			name: "current version round trips", upgraders: full, version: 2,
			raw:  `{"id":"i-1","name":"web","port":8080}`,
			want: want,
		},
		{
			name: "current version with attributes left out", upgraders: full, version: 2,
			raw:  `{"name":"web"}`,
			want: cty.ObjectVal(map[string]cty.Value{"id": cty.NullVal(cty.String), "name": cty.StringVal("web"), "port": cty.NullVal(cty.Number)}),
		},
		{
			name: "one version behind", upgraders: full, version: 1,
			raw:  `{"id":"i-1","name":"web","port":"8080"}`,
			want: want,
		},
		{
			name: "two versions behind runs every upgrader in order", upgraders: full, version: 0,
			raw:  `{"id":"i-1","host":"web","port":"8080"}`,
			want: want,
		},
		{
			name: "newer than the provider", upgraders: full, version: 3,
			raw:         `{"id":"i-1","name":"web","port":8080}`,
			wantSummary: "State is newer than the provider",
			wantDetail:  []string{"test_server", "schema version 3", "versions up to 2", "1.2.0"},
		},
		{
			name: "missing upgrader", upgraders: map[int64]func(context.Context, map[string]any) (map[string]any, error){1: portToNumber}, version: 0,
			raw:         `{"id":"i-1","host":"web","port":"8080"}`,
			wantSummary: "Cannot upgrade state",
			wantDetail:  []string{"test_server", "from schema version 0 to 1"},
		},
		{
			name: "upgrader fails", upgraders: full, version: 1,
			raw:         `{"id":"i-1","name":"web","port":"eighty"}`,
			wantSummary: "Cannot upgrade state from version 1",
			wantDetail:  []string{`"eighty" is not a number`},
		},
		{
			name: "old state that is not JSON", upgraders: full, version: 1,
			raw:         `{"id":`,
			wantSummary: "Invalid recorded state",
		},
		{
			name: "current state that does not match the schema", upgraders: full, version: 2,
			raw:         `{"id":"i-1","host":"web"}`,
			wantSummary: "Recorded state does not match the schema",
		},
	}
	for _, via := range []string{"in-process", "gRPC"} {
		for _, tt := range tests {
			t.Run(via+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var srv sdk.ProviderServer = upgradeProvider(tt.upgraders)
				if via == "gRPC" {
					srv = sdktest.Serve(t, srv)
				}
				resp := srv.UpgradeResourceState(t.Context(), sdk.UpgradeResourceStateRequest{
					TypeName: "test_server", Version: tt.version, RawStateJSON: []byte(tt.raw),
				})
				if tt.wantSummary == "" {
					if len(resp.Diagnostics) > 0 {
						t.Fatalf("UpgradeResourceState: %v", resp.Diagnostics)
					}
					if diff := cmp.Diff(tt.want, resp.UpgradedState, sdk.CmpOptions); diff != "" {
						t.Errorf("upgraded state (-want +got):\n%s", diff)
					}
					return
				}
				if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != sdk.Error || resp.Diagnostics[0].Summary != tt.wantSummary {
					t.Fatalf("diagnostics %v; want one error %q", resp.Diagnostics, tt.wantSummary)
				}
				for _, phrase := range tt.wantDetail {
					if !strings.Contains(resp.Diagnostics[0].Detail, phrase) {
						t.Errorf("detail %q does not say %q", resp.Diagnostics[0].Detail, phrase)
					}
				}
				if !resp.UpgradedState.IsNull() {
					t.Errorf("a failed upgrade returned state %#v; want null", resp.UpgradedState)
				}
			})
		}
	}
}

// The upgraders see the state as decoded JSON and can return it changed
// in place; each runs once per call.
func TestUpgradeResourceStateCallsEachUpgraderOnce(t *testing.T) {
	t.Parallel()
	var order []int64
	step := func(v int64, next func(context.Context, map[string]any) (map[string]any, error)) func(context.Context, map[string]any) (map[string]any, error) {
		return func(ctx context.Context, s map[string]any) (map[string]any, error) {
			order = append(order, v)
			if s == nil {
				return nil, errors.New("nil state")
			}
			return next(ctx, s)
		}
	}
	p := upgradeProvider(map[int64]func(context.Context, map[string]any) (map[string]any, error){0: step(0, renameHost), 1: step(1, portToNumber)})
	resp := p.UpgradeResourceState(t.Context(), sdk.UpgradeResourceStateRequest{
		TypeName: "test_server", Version: 0, RawStateJSON: []byte(`{"id":"i-1","host":"web","port":"8080"}`),
	})
	if len(resp.Diagnostics) > 0 {
		t.Fatalf("UpgradeResourceState: %v", resp.Diagnostics)
	}
	if diff := cmp.Diff([]int64{0, 1}, order); diff != "" {
		t.Errorf("upgraders ran (-want +got):\n%s", diff)
	}
}
