package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Format version 2 is version 1 with two more top-level lists, after the
// clusters: the environments' approvals, vetoes and pins, and the
// guardrail overrides. Both are left out when empty. A version 1 file
// upgrades to version 2 unchanged.

type environmentV2 struct {
	Name      string       `json:"name"`
	Approvals []decisionV2 `json:"approvals,omitempty"`
	Vetoes    []decisionV2 `json:"vetoes,omitempty"`
	Pin       *decisionV2  `json:"pin,omitempty"`
}

type decisionV2 struct {
	Cluster string `json:"cluster,omitempty"`
	Version string `json:"version"`
	Actor   string `json:"actor"`
	Reason  string `json:"reason,omitempty"`
	Time    string `json:"time"`
}

type overrideV2 struct {
	Guardrail string   `json:"guardrail"`
	Changes   []string `json:"changes,omitempty"`
	Message   string   `json:"message"`
	Actor     string   `json:"actor"`
	Reason    string   `json:"reason"`
	Time      string   `json:"time"`
}

// decodeStrict reads one JSON value into v, refusing fields v does not
// have: they would be lost when the state is written back.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the value")
	}
	return nil
}

// encodeRailings is encodeV1 after the clusters: the environments, in
// name order, and the overrides.
func (f *fileV1) encodeRailings(s *State) error {
	for _, name := range slices.Sorted(mapKeys(s.Environments)) {
		e := s.Environments[name]
		if e.Empty() {
			continue
		}
		if e.Name != name {
			return fmt.Errorf("environment %q: recorded under the wrong name", name)
		}
		ef := environmentV2{Name: name}
		for _, l := range []struct {
			in  []*Decision
			out *[]decisionV2
		}{{e.Approvals, &ef.Approvals}, {e.Vetoes, &ef.Vetoes}} {
			for _, d := range l.in {
				df, err := decisionToV2(d)
				if err != nil {
					return fmt.Errorf("environment %q: %w", name, err)
				}
				*l.out = append(*l.out, df)
			}
		}
		if e.Pin != nil {
			df, err := decisionToV2(e.Pin)
			if err != nil {
				return fmt.Errorf("environment %q: pin: %w", name, err)
			}
			ef.Pin = &df
		}
		f.Environments = append(f.Environments, ef)
	}
	for i, o := range s.Overrides {
		if o == nil || o.Guardrail == "" {
			return fmt.Errorf("override %d: it names no guardrail", i)
		}
		t, err := writeTime(o.Time)
		if err != nil {
			return fmt.Errorf("override %d: %w", i, err)
		}
		f.Overrides = append(f.Overrides, overrideV2{Guardrail: o.Guardrail, Changes: o.Changes, Message: o.Message, Actor: o.Actor, Reason: o.Reason, Time: t})
	}
	return nil
}

func decisionToV2(d *Decision) (decisionV2, error) {
	if d == nil || d.Version == "" {
		return decisionV2{}, errors.New("a decision names no version")
	}
	t, err := writeTime(d.Time)
	if err != nil {
		return decisionV2{}, err
	}
	return decisionV2{Cluster: d.Cluster, Version: d.Version, Actor: d.Actor, Reason: d.Reason, Time: t}, nil
}

// railings checks the environments and overrides of f into s.
func (f *fileV1) railings(s *State) error {
	s.Environments = make(map[string]*Environment, len(f.Environments))
	for i, ef := range f.Environments {
		path := fmt.Sprintf("environments[%d]", i)
		if ef.Name == "" {
			return &FormatError{Path: path + ".name", Err: errors.New("missing: an environment has a name")}
		}
		if s.Environments[ef.Name] != nil {
			return &FormatError{Path: path, Err: fmt.Errorf("environment %q is listed twice", ef.Name)}
		}
		e := &Environment{Name: ef.Name}
		for _, l := range []struct {
			name string
			in   []decisionV2
			out  *[]*Decision
		}{{"approvals", ef.Approvals, &e.Approvals}, {"vetoes", ef.Vetoes, &e.Vetoes}} {
			for j := range l.in {
				d, err := l.in[j].decision(fmt.Sprintf("%s.%s[%d]", path, l.name, j), l.name == "approvals")
				if err != nil {
					return err
				}
				*l.out = append(*l.out, d)
			}
		}
		if ef.Pin != nil {
			d, err := ef.Pin.decision(path+".pin", false)
			if err != nil {
				return err
			}
			e.Pin = d
		}
		s.Environments[e.Name] = e
	}
	for i, of := range f.Overrides {
		path := fmt.Sprintf("overrides[%d]", i)
		if of.Guardrail == "" {
			return &FormatError{Path: path + ".guardrail", Err: errors.New("missing: an override names its guardrail")}
		}
		t, err := readTime(of.Time)
		if err != nil {
			return &FormatError{Path: path + ".time", Err: err}
		}
		s.Overrides = append(s.Overrides, &Override{Guardrail: of.Guardrail, Changes: of.Changes, Message: of.Message, Actor: of.Actor, Reason: of.Reason, Time: t})
	}
	return nil
}

func (df *decisionV2) decision(path string, approval bool) (*Decision, error) {
	if df.Version == "" {
		return nil, &FormatError{Path: path + ".version", Err: errors.New("missing: a decision names a version")}
	}
	if approval && df.Cluster == "" {
		return nil, &FormatError{Path: path + ".cluster", Err: errors.New("missing: an approval names its cluster")}
	}
	t, err := readTime(df.Time)
	if err != nil {
		return nil, &FormatError{Path: path + ".time", Err: err}
	}
	return &Decision{Cluster: df.Cluster, Version: df.Version, Actor: df.Actor, Reason: df.Reason, Time: t}, nil
}

// writeRailings appends the environments and overrides to a file being
// written, one to a line, when there are any.
func (f *fileV1) writeRailings(buf *bytes.Buffer, value func(any) error) error {
	for _, l := range []struct {
		key string
		n   int
		at  func(int) any
	}{
		{"environments", len(f.Environments), func(i int) any { return &f.Environments[i] }},
		{"overrides", len(f.Overrides), func(i int) any { return &f.Overrides[i] }},
	} {
		if l.n == 0 {
			continue
		}
		buf.WriteString(",\n  \"" + l.key + "\": [")
		for i := range l.n {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n    ")
			if err := value(l.at(i)); err != nil {
				return fmt.Errorf("%s: %w", strings.TrimSuffix(l.key, "s"), err)
			}
		}
		buf.WriteString("\n  ]")
	}
	return nil
}
