package state_test

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"testing"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// bigState records n local_file resources, each depending on the one
// before it, as a configuration that chains files would leave.
func bigState(tb testing.TB, n int) *state.State {
	tb.Helper()
	s := state.New()
	s.Serial = 42
	var prev addrs.ConfigResource
	for i := range n {
		addr := addrs.Resource{Mode: addrs.ManagedResourceMode, Type: "local_file", Name: fmt.Sprintf("file_%05d", i)}.Absolute(nil).Instance(addrs.NoKey)
		content := fmt.Sprintf("hello from file %d", i)
		obj := object(fmt.Sprintf(`{"id":"%x","filename":"files/file_%05d.txt","content":%q,"file_permission":"0644"}`, sha1.Sum([]byte(content)), i, content))
		if i > 0 {
			obj.Dependencies = []addrs.ConfigResource{prev}
		}
		s.SetResourceInstanceCurrent(addr, obj, localProvider)
		prev = addr.ConfigResource()
	}
	return s
}

// The size of a state file is something users see (in their repositories,
// their buckets, `tack state pull`): 1,000 resources stay within 0.5 MB.
func TestFileSize1000Resources(t *testing.T) {
	t.Parallel()
	const limit = 500_000
	data := writeState(t, bigState(t, 1000))
	if len(data) > limit {
		t.Errorf("a state of 1,000 resources takes %d bytes, more than %d", len(data), limit)
	}
	t.Logf("1,000 resources: %d bytes", len(data))
}

func BenchmarkWriteFile10k(b *testing.B) {
	s := bigState(b, 10_000)
	var buf bytes.Buffer
	if err := state.WriteFile(&buf, s, "0.1.0"); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := state.WriteFile(&buf, s, "0.1.0"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "file-bytes")
}

func BenchmarkReadFile10k(b *testing.B) {
	var buf bytes.Buffer
	if err := state.WriteFile(&buf, bigState(b, 10_000), "0.1.0"); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := state.ReadFile(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "file-bytes")
}
