package state_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// A FileWriter reuses what it encoded before; whatever changes between
// writes, in place or by replacement, its file must be WriteFile's, byte
// for byte, or an apply would record something other than what happened.
func TestFileWriterWritesWhatWriteFileWrites(t *testing.T) {
	t.Parallel()
	s := fullState(t)
	addrA := mustInstance(t, "local_file.a")
	addrC := mustInstance(t, `module.net["a"].local_file.c["x y"]`)
	steps := []struct {
		name   string
		change func(s *state.State)
	}{
		{"first write", func(*state.State) {}},
		{"nothing changed", func(*state.State) {}},
		{"serial", func(s *state.State) { s.Serial++ }},
		{"attributes replaced", func(s *state.State) {
			s.SetResourceInstanceCurrent(addrA, object(`{"id":"a","filename":"a.txt","content":"new","file_permission":"0644"}`), localProvider)
		}},
		{"attributes changed in place", func(s *state.State) {
			s.ResourceInstance(addrA).Current.AttrsJSON[7] = 'A'
		}},
		{"attributes changed in place, same length", func(s *state.State) {
			obj := s.ResourceInstance(mustInstance(t, "local_file.b[1]")).Current
			obj.AttrsJSON = bytes.Replace(obj.AttrsJSON, []byte(`"b"`), []byte(`"B"`), 1)
		}},
		{"sensitive path added", func(s *state.State) {
			obj := s.ResourceInstance(addrA).Current
			obj.SensitivePaths = append(obj.SensitivePaths, cty.GetAttrPath("filename"))
		}},
		{"sensitive path changed", func(s *state.State) {
			s.ResourceInstance(addrC).Current.SensitivePaths[1] = cty.GetAttrPath("rules").IndexInt(0).GetAttr("port")
		}},
		{"dependency dropped", func(s *state.State) {
			obj := s.ResourceInstance(addrC).Current
			obj.Dependencies = obj.Dependencies[1:]
		}},
		{"tainted", func(s *state.State) { s.ResourceInstance(addrA).Current.Status = state.ObjectTainted }},
		{"schema version", func(s *state.State) { s.ResourceInstance(addrA).Current.SchemaVersion = 3 }},
		{"create_before_destroy", func(s *state.State) { s.ResourceInstance(addrA).Current.CreateBeforeDestroy = true }},
		{"deposed", func(s *state.State) { s.DeposeResourceInstanceObject(addrA) }},
		{"deposed removed", func(s *state.State) { s.SetResourceInstanceDeposed(addrC, "0a1b2c3d", nil, localProvider) }},
		{"provider", func(s *state.State) { s.Resource(addrA.ContainingResource()).Provider = awsWest }},
		{"resources added first, last and between", func(s *state.State) {
			for _, a := range []string{"aaa_file.x", "local_file.b2", "zzz_file.x", "module.a.local_file.x", "data.aaa_file.x"} {
				s.SetResourceInstanceCurrent(mustInstance(t, a), object(`{"id":"new"}`), localProvider)
			}
		}},
		{"instance added", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustResource(t, "local_file.b").Instance(addrs.IntKey(2)), object(`{"id":"b2"}`), localProvider)
		}},
		{"resources removed", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b2"), nil, localProvider)
			s.SetResourceInstanceCurrent(mustInstance(t, "data.local_file.d"), nil, localProvider)
		}},
		{"added and removed at once", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "zzz_file.x"), nil, localProvider)
			s.SetResourceInstanceCurrent(mustInstance(t, "mmm_file.x"), object(`{"id":"m"}`), localProvider)
		}},
		{"changed, added and removed at once", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "mmm_file.x"), nil, localProvider)
			s.SetResourceInstanceCurrent(mustInstance(t, "nnn_file.x"), object(`{"id":"n"}`), localProvider)
			s.SetResourceInstanceCurrent(addrA, object(`{"id":"a2"}`), localProvider)
		}},
		{"changed and added", func(s *state.State) {
			s.SetResourceInstanceCurrent(mustInstance(t, "ooo_file.x"), object(`{"id":"o"}`), localProvider)
			s.SetResourceInstanceCurrent(addrA, object(`{"id":"a3"}`), localProvider)
		}},
		{"moved", func(s *state.State) {
			if err := s.MoveResource(mustResource(t, "aaa_file.x"), mustResource(t, "aaa_file.y")); err != nil {
				t.Fatal(err)
			}
		}},
		{"outputs and clusters", func(s *state.State) {
			s.Outputs["endpoint"] = &state.Output{Value: cty.StringVal("127.0.0.1:9090")}
			s.Clusters["api-prod"].ServerGroups[0].Enabled = true
		}},
		{"everything gone", func(s *state.State) { s.Resources = map[string]*state.Resource{} }},
		{"back again", func(s *state.State) {
			for k, rs := range fullState(t).Resources {
				s.Resources[k] = rs
			}
		}},
	}
	var fw state.FileWriter
	for _, step := range steps {
		step.change(s)
		var got bytes.Buffer
		if err := fw.Write(&got, s, "0.1.0"); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if diff := cmp.Diff(string(writeState(t, s)), got.String()); diff != "" {
			t.Fatalf("%s: FileWriter and WriteFile differ (-WriteFile +FileWriter):\n%s", step.name, diff)
		}
	}
}

// A state that cannot be written gets WriteFile's error, and does not
// spoil the next write.
func TestFileWriterRefusesWhatWriteFileRefuses(t *testing.T) {
	t.Parallel()
	s := fullState(t)
	var fw state.FileWriter
	if err := fw.Write(new(bytes.Buffer), s, "0.1.0"); err != nil {
		t.Fatal(err)
	}
	addrA := mustInstance(t, "local_file.a")
	good := s.ResourceInstance(addrA).Current.AttrsJSON
	s.ResourceInstance(addrA).Current.AttrsJSON = []byte(`[1]`)
	var out bytes.Buffer
	err := fw.Write(&out, s, "0.1.0")
	want := state.WriteFile(new(bytes.Buffer), s, "0.1.0")
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Fatalf("FileWriter.Write: %v; WriteFile: %v", err, want)
	}
	if out.Len() != 0 {
		t.Errorf("FileWriter.Write wrote %d bytes of a state it refused", out.Len())
	}
	s.ResourceInstance(addrA).Current.AttrsJSON = good
	var got bytes.Buffer
	if err := fw.Write(&got, s, "0.1.0"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(writeState(t, s)), got.String()); diff != "" {
		t.Errorf("after a refused write (-WriteFile +FileWriter):\n%s", diff)
	}
}

// The apply's writes: one resource more each time, out of order, as
// parallel creates complete.
func TestFileWriterGrowingState(t *testing.T) {
	t.Parallel()
	s := state.New()
	var fw state.FileWriter
	for i := range 200 {
		n := (i * 37) % 200
		addr := mustResource(t, fmt.Sprintf("local_file.f%d", n)).Instance(addrs.NoKey)
		s.SetResourceInstanceCurrent(addr, object(fmt.Sprintf(`{"id":"%d"}`, n)), localProvider)
		var got bytes.Buffer
		if err := fw.Write(&got, s, "0.1.0"); err != nil {
			t.Fatal(err)
		}
		if want := writeState(t, s); !bytes.Equal(want, got.Bytes()) {
			t.Fatalf("after %d resources, FileWriter and WriteFile differ (-WriteFile +FileWriter):\n%s", i+1, cmp.Diff(string(want), got.String()))
		}
	}
}

// BenchmarkFileWriter10kOneChange is the write an apply makes after each
// change to a state of 10,000 resources: of the state itself, and of a
// snapshot, which is what an apply writes (the time includes taking it).
func BenchmarkFileWriter10kOneChange(b *testing.B) {
	addr := mustInstance(b, "local_file.file_00042")
	for _, snapshot := range []bool{false, true} {
		name := "state"
		if snapshot {
			name = "snapshot"
		}
		b.Run(name, func(b *testing.B) {
			s := bigState(b, 10_000)
			set := func(obj *state.ObjectSrc) { s.SetResourceInstanceCurrent(addr, obj, localProvider) }
			current := func() *state.State { return s }
			if snapshot {
				ss := state.NewSyncState(s)
				set = func(obj *state.ObjectSrc) { ss.SetResourceInstanceCurrent(addr, obj, localProvider) }
				current = ss.Snapshot
			}
			var fw state.FileWriter
			var buf bytes.Buffer
			if err := fw.Write(&buf, current(), "0.1.0"); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				set(object(fmt.Sprintf(`{"id":"%d"}`, i)))
				buf.Reset()
				if err := fw.Write(&buf, current(), "0.1.0"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Random additions, changes and removals, several at a time, as the
// writes of a long apply see them.
func TestFileWriterRandomChanges(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	s := state.New()
	var fw state.FileWriter
	for i := range 300 {
		for range rng.IntN(5) + 1 {
			addr, obj := randomChange(t, rng)
			s.SetResourceInstanceCurrent(addr, obj, localProvider)
		}
		var got bytes.Buffer
		if err := fw.Write(&got, s, "0.1.0"); err != nil {
			t.Fatal(err)
		}
		if want := writeState(t, s); !bytes.Equal(want, got.Bytes()) {
			t.Fatalf("write %d: FileWriter and WriteFile differ (-WriteFile +FileWriter):\n%s", i+1, cmp.Diff(string(want), got.String()))
		}
	}
}

// An apply writes snapshots, whose unchanged resources the FileWriter
// takes as unchanged without comparing them; now and then the state the
// apply hands back is written too, in place of a snapshot. Every write
// must still be WriteFile's.
func TestFileWriterSnapshots(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	ss := state.NewSyncState(state.New())
	var fw state.FileWriter
	for i := range 300 {
		for range rng.IntN(5) + 1 {
			addr, obj := randomChange(t, rng)
			ss.SetResourceInstanceCurrent(addr, obj, localProvider)
		}
		var s *state.State
		if i%50 == 49 {
			s = ss.Lock()
		} else {
			s = ss.Snapshot()
		}
		var got bytes.Buffer
		err := fw.Write(&got, s, "0.1.0")
		want := writeState(t, s)
		if i%50 == 49 {
			ss.Unlock()
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got.Bytes()) {
			t.Fatalf("write %d: FileWriter and WriteFile differ (-WriteFile +FileWriter):\n%s", i+1, cmp.Diff(string(want), got.String()))
		}
	}
}

// randomChange is one of 180 instances and what to record for it: one of
// three objects, or nothing (a removal) one time in four.
func randomChange(t *testing.T, rng *rand.Rand) (addrs.AbsResourceInstance, *state.ObjectSrc) {
	addr := mustResource(t, fmt.Sprintf("local_file.f%d", rng.IntN(60))).Instance(addrs.IntKey(rng.IntN(3)))
	if rng.IntN(4) == 0 {
		return addr, nil
	}
	return addr, object(fmt.Sprintf(`{"id":"%d"}`, rng.IntN(3)))
}
