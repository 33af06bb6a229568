package config

import "testing"

// FuzzLoadSource feeds arbitrary bytes to the loader as an HCL file and as
// a JSON file: whatever a user writes, loading returns diagnostics, never
// a panic.
func FuzzLoadSource(f *testing.F) {
	f.Add([]byte(`resource "local_file" "a" { path = "a" }`))
	f.Add([]byte(`cluster "api-prod" { application = application.api  provider = local  server_group {} }`))
	f.Add([]byte(`variable "x" { type = object({ a = optional(number, 1) })  default = {} }`))
	f.Add([]byte(`tack { required_providers { local = { source = "tack/local" } } backend "local" {} }`))
	f.Add([]byte(`{"resource": {"local_file": {"a": {"path": "a", "count": 2}}}}`))
	f.Add([]byte(`locals { a = b  c = "${d}" }  moved { from = a.b  to = c.d }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, name := range []string{"main.tack.hcl", "main.tack.json"} {
			m, _ := NewParser().LoadSource(".", map[string][]byte{name: src})
			if m == nil {
				t.Fatalf("LoadSource returned no module for %s", name)
			}
		}
	})
}
