package state

import "encoding/json"

// The types of format version 1, as they appear in the file. Fields the
// file may leave out are omitempty; docs/state-format.md is the reference.

type fileV1 struct {
	FormatVersion uint64              `json:"format_version"`
	TackVersion   string              `json:"tack_version"`
	Lineage       string              `json:"lineage"`
	Serial        uint64              `json:"serial"`
	Outputs       map[string]outputV1 `json:"outputs"`
	Resources     []resourceV1        `json:"resources"`
	Clusters      []clusterV1         `json:"clusters"`
	// Version 2 adds these (file_v2.go).
	Environments []environmentV2 `json:"environments,omitempty"`
	Overrides    []overrideV2    `json:"overrides,omitempty"`
}

type outputV1 struct {
	Value     json.RawMessage `json:"value"`
	Type      json.RawMessage `json:"type"`
	Sensitive bool            `json:"sensitive"`
}

type resourceV1 struct {
	resourceHeadV1
	Instances []instanceV1 `json:"instances"`
}

// resourceHeadV1 is what a resource records besides its instances; the
// writer puts it on the line that opens the resource.
type resourceHeadV1 struct {
	Module        string `json:"module,omitempty"`
	Mode          string `json:"mode"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	Provider      string `json:"provider"`
	ProviderAlias string `json:"provider_alias,omitempty"`
}

type instanceV1 struct {
	IndexKey            json.RawMessage `json:"index_key,omitempty"`
	Deposed             string          `json:"deposed,omitempty"`
	Status              string          `json:"status,omitempty"`
	SchemaVersion       int64           `json:"schema_version"`
	Attributes          json.RawMessage `json:"attributes"`
	SensitiveAttributes [][]pathStepV1  `json:"sensitive_attributes,omitempty"`
	Dependencies        []string        `json:"dependencies,omitempty"`
	CreateBeforeDestroy bool            `json:"create_before_destroy,omitempty"`
}

type pathStepV1 struct {
	Type  string          `json:"type"` // "get_attr" or "index"
	Value json.RawMessage `json:"value"`
}

type clusterV1 struct {
	clusterHeadV1
	ServerGroups []serverGroupV1 `json:"server_groups"`
	History      []deploymentV1  `json:"history"`
}

type clusterHeadV1 struct {
	Name          string `json:"name"`
	Provider      string `json:"provider"`
	ProviderAlias string `json:"provider_alias,omitempty"`
	Config        string `json:"config,omitempty"`
	Environment   string `json:"environment,omitempty"` // version 2
	Protected     bool   `json:"protected,omitempty"`   // version 2
}

type serverGroupV1 struct {
	Name      string     `json:"name"`
	Sequence  int        `json:"sequence"`
	Version   string     `json:"version"`
	SpecHash  string     `json:"spec_hash"`
	Capacity  capacityV1 `json:"capacity"`
	Enabled   bool       `json:"enabled"`
	Weight    int        `json:"weight"`
	CreatedAt string     `json:"created_at,omitempty"`
}

type capacityV1 struct {
	Min     int `json:"min"`
	Desired int `json:"desired"`
	Max     int `json:"max"`
}

// deploymentV1 is written on one line, its steps included. from, kind and
// steps were added to version 1 after its first files, so they are
// optional (docs/state-format.md, Versions).
type deploymentV1 struct {
	ID          string             `json:"id"`
	ServerGroup string             `json:"server_group"`
	From        []string           `json:"from,omitempty"`
	Version     string             `json:"version"`
	Strategy    string             `json:"strategy"`
	Kind        string             `json:"kind,omitempty"`
	Outcome     string             `json:"outcome"`
	Reason      string             `json:"reason,omitempty"`
	Started     string             `json:"started,omitempty"`
	Finished    string             `json:"finished,omitempty"`
	Steps       []deploymentStepV1 `json:"steps,omitempty"`
}

type deploymentStepV1 struct {
	Description string `json:"description"`
	Started     string `json:"started,omitempty"`
	Ended       string `json:"ended,omitempty"`
	Error       string `json:"error,omitempty"`
	Rollback    bool   `json:"rollback,omitempty"`
}

const (
	modeManaged = "managed"
	modeData    = "data"

	statusTainted = "tainted"

	stepGetAttr = "get_attr"
	stepIndex   = "index"
)
