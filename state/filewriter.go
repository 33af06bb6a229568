package state

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
)

// FileWriter writes successive versions of one state, as an apply does
// after every change, byte for byte as [WriteFile] would, but encodes
// again only the resources that changed since its previous write: the
// others are written from what it encoded before. It keeps a copy of each
// resource it encoded to tell whether it changed, so what callers do with
// their states afterwards cannot make it write stale text. Of a
// [SyncState.Snapshot], whose resources never change, it keeps the
// resources themselves, and takes one it saw before as unchanged without
// comparing: an apply of ten thousand resources otherwise compared every
// one of them, and copied each, at every write.
//
// A FileWriter holds about twice the encoded size of the last state it
// wrote. The zero value is ready to use. It is not safe for concurrent
// use.
type FileWriter struct {
	// encoded are the resources of the last write, by key, and order the
	// same sorted as the file lists them.
	encoded map[string]*encodedResource
	order   []*encodedResource
	// writes counts the writes, to mark the resources each one saw.
	writes uint64
}

// encodedResource is one resource as a FileWriter last wrote it.
type encodedResource struct {
	key string
	// src is a copy of the resource encoded, to compare with.
	src  *Resource
	text []byte
	// seen is the write that last found the resource in its state.
	seen uint64
}

// Write writes s to w as [WriteFile] does.
func (fw *FileWriter) Write(w io.Writer, s *State, tackVersion string) error {
	data, err := fw.Encode(s, tackVersion)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// Encode returns what [FileWriter.Write] would write. The bytes are the
// caller's.
func (fw *FileWriter) Encode(s *State, tackVersion string) ([]byte, error) {
	return fw.AppendEncode(nil, s, tackVersion)
}

// AppendEncode appends what [FileWriter.Write] would write to dst, and
// returns the extended slice. A caller that writes states one after
// another can hand back the previous write's bytes, as dst[:0], and the
// writer encodes into their space instead of a new allocation of the
// state's size each time.
func (fw *FileWriter) AppendEncode(dst []byte, s *State, tackVersion string) ([]byte, error) {
	f, err := encodeHeadV1(s, tackVersion)
	if err != nil {
		return nil, fmt.Errorf("writing state: %w", err)
	}
	changed, added, ok := fw.encodeResources(s)
	if !ok {
		// Some resource cannot be written: WriteFile says which, as it
		// always does.
		buf := bytes.NewBuffer(dst)
		if err := WriteFile(buf, s, tackVersion); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if err := f.encodeClusters(s); err != nil {
		return nil, fmt.Errorf("writing state: %w", err)
	}
	order := fw.nextOrder(len(s.Resources), added)

	size := 4096
	for _, e := range order {
		size += len(e.text) + 8
	}
	for _, c := range changed {
		size += len(c.text)
	}
	buf := bytes.NewBuffer(dst)
	buf.Grow(size)
	err = f.writeWith(buf, len(order), func(dst []byte, i int) []byte {
		e := order[i]
		if c, ok := changed[e]; ok {
			return append(dst, c.text...)
		}
		return append(dst, e.text...)
	})
	if err != nil {
		return nil, fmt.Errorf("writing state: %w", err)
	}

	// Only an encoding that succeeded changes what the next one starts
	// from.
	for e, c := range changed {
		*e = c
	}
	for _, e := range added {
		e.seen = fw.writes
	}
	if fw.encoded == nil {
		fw.encoded = map[string]*encodedResource{}
	}
	for _, e := range added {
		fw.encoded[e.key] = e
	}
	if len(order) != len(fw.encoded) {
		for _, e := range fw.order {
			if e.seen != fw.writes {
				delete(fw.encoded, e.key)
			}
		}
	}
	fw.order = order
	return buf.Bytes(), nil
}

// encodeResources encodes the resources of s that are not as the last
// write encoded them: changed holds the new encoding of those it had, by
// the old one, and added those it did not have. It marks the resources it
// found unchanged as seen by this write, and reports false when a
// resource cannot be encoded.
func (fw *FileWriter) encodeResources(s *State) (changed map[*encodedResource]encodedResource, added []*encodedResource, ok bool) {
	fw.writes++
	for key, rs := range s.Resources {
		if rs == nil {
			return nil, nil, false
		}
		prev := fw.encoded[key]
		if prev != nil && ((s.frozen && prev.src == rs) || resourcesEqual(prev.src, rs)) {
			// The key was checked against this address when it was
			// encoded.
			prev.seen = fw.writes
			if s.frozen {
				// The snapshot's resource is as good a record as the
				// copy, and the next snapshot shares it if unchanged.
				prev.src = rs
			}
			continue
		}
		if key != rs.Addr.String() {
			return nil, nil, false
		}
		rf, err := resourceToV1(rs)
		if err != nil {
			return nil, nil, false
		}
		src := rs
		if !s.frozen {
			src = rs.DeepCopy()
		}
		e := encodedResource{key: key, src: src, text: rf.append(nil), seen: fw.writes}
		if prev == nil {
			added = append(added, &e)
			continue
		}
		if changed == nil {
			changed = map[*encodedResource]encodedResource{}
		}
		prev.seen = fw.writes
		changed[prev] = e
	}
	return changed, added, true
}

// nextOrder is the order of the resources this write found: those of the
// last order that it saw, with added merged in. The order changes only
// where resources came or went, so that a write need not sort them all.
func (fw *FileWriter) nextOrder(n int, added []*encodedResource) []*encodedResource {
	if len(added) == 0 && n == len(fw.order) {
		return fw.order
	}
	slices.SortFunc(added, func(a, b *encodedResource) int { return compareAbsResource(a.src.Addr, b.src.Addr) })
	order := make([]*encodedResource, 0, n)
	i := 0
	for _, e := range fw.order {
		if e.seen != fw.writes {
			continue // gone
		}
		for i < len(added) && compareAbsResource(added[i].src.Addr, e.src.Addr) < 0 {
			order = append(order, added[i])
			i++
		}
		order = append(order, e)
	}
	return append(order, added[i:]...)
}

// resourcesEqual reports whether a and b record the same: what WriteFile
// writes of them is the same.
func resourcesEqual(a, b *Resource) bool {
	if !a.Addr.Equal(b.Addr) || a.Provider != b.Provider || len(a.Instances) != len(b.Instances) {
		return false
	}
	for k, ai := range a.Instances {
		bi, ok := b.Instances[k]
		if !ok || (ai == nil) != (bi == nil) {
			return false
		}
		if ai == nil {
			continue
		}
		if !objectsEqual(ai.Current, bi.Current) || len(ai.Deposed) != len(bi.Deposed) {
			return false
		}
		for dk, ao := range ai.Deposed {
			bo, ok := bi.Deposed[dk]
			if !ok || !objectsEqual(ao, bo) {
				return false
			}
		}
	}
	return true
}

// objectsEqual compares every field of two objects; a field added to
// ObjectSrc must be compared here (TestObjectsEqualFields checks).
func objectsEqual(a, b *ObjectSrc) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.SchemaVersion == b.SchemaVersion &&
		a.Status == b.Status &&
		a.CreateBeforeDestroy == b.CreateBeforeDestroy &&
		bytes.Equal(a.AttrsJSON, b.AttrsJSON) &&
		slices.EqualFunc(a.SensitivePaths, b.SensitivePaths, cty.Path.Equals) &&
		slices.EqualFunc(a.Dependencies, b.Dependencies, addrs.ConfigResource.Equal)
}
