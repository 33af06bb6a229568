package planner

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// applyMoves renames recorded objects as the moved blocks say, before
// anything is planned, so that a rename plans as a move instead of a
// destroy and a create. It returns the new address of each moved
// instance mapped to its old one.
func applyMoves(m *config.Module, s *state.SyncState) (map[string]addrs.AbsResourceInstance, hcl.Diagnostics) {
	out := map[string]addrs.AbsResourceInstance{}
	var diags hcl.Diagnostics
	for _, mv := range m.Moved {
		from, d1 := addrs.ParseAbsResourceInstance(mv.From)
		to, d2 := addrs.ParseAbsResourceInstance(mv.To)
		diags = append(diags, d1...)
		diags = append(diags, d2...)
		if d1.HasErrors() || d2.HasErrors() {
			continue
		}
		snap := s.Lock()
		s.Unlock() // read below only while no other goroutine runs
		if from.Resource.Key == addrs.NoKey && to.Resource.Key == addrs.NoKey {
			// A whole resource, with every instance.
			rs := snap.Resource(from.ContainingResource())
			if rs == nil {
				continue // already moved, or never created: nothing to do
			}
			if snap.Resource(to.ContainingResource()) != nil {
				diags = append(diags, moveCollision(mv, from.String(), to.String()))
				continue
			}
			for key := range rs.Instances {
				out[to.ContainingResource().Instance(key).String()] = from.ContainingResource().Instance(key)
			}
			st := s.Lock()
			err := st.MoveResource(from.ContainingResource(), to.ContainingResource())
			s.Unlock()
			if err != nil {
				diags = append(diags, moveError(mv, err))
			}
			continue
		}
		if snap.ResourceInstance(from) == nil {
			continue
		}
		if snap.ResourceInstance(to) != nil {
			diags = append(diags, moveCollision(mv, from.String(), to.String()))
			continue
		}
		st := s.Lock()
		err := st.MoveResourceInstance(from, to)
		s.Unlock()
		if err != nil {
			diags = append(diags, moveError(mv, err))
			continue
		}
		out[to.String()] = from
	}
	return out, diags
}

func moveCollision(mv *config.Moved, from, to string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Moved object still exists",
		Detail:   fmt.Sprintf("This moved block moves %s to %s, but the state already has an object at %s. Remove the moved block, or the object at the new address (tack state rm), and plan again.", from, to, to),
		Subject:  mv.DeclRange.Ptr(),
	}
}

func moveError(mv *config.Moved, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot move object", Detail: err.Error() + ".", Subject: mv.DeclRange.Ptr()}
}

// configMode converts an address's resource mode to the configuration's.
func configMode(m addrs.ResourceMode) config.ResourceMode {
	if m == addrs.DataResourceMode {
		return config.DataMode
	}
	return config.ManagedMode
}
