package addrs

import (
	"testing"
)

// FuzzParseAbsResourceInstanceStr feeds arbitrary -target strings to the
// parser: it must never panic, and what it accepts must print as a string
// that parses back to the same address.
func FuzzParseAbsResourceInstanceStr(f *testing.F) {
	for _, seed := range []string{
		"aws_lb.web",
		"aws_lb.web[0]",
		`aws_lb.web["a"]`,
		"data.aws_ami.ubuntu",
		`module.net["a"].module.db[0].data.aws_ami.ubuntu["x"]`,
		`aws_lb.web["$${x} %%{y} \" \\ \n \u00e9 \U0001F600"]`,
		"module.net",
		"module",
		"aws_lb.web.arn",
		"aws_lb.web[1.5]",
		"aws_lb.web[1e3]",
		"aws_lb.web[-1]",
		"",
		"[0]",
		"a.b[99999999999999999999999]",
		"a.b[1e10000000]",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, diags := ParseAbsResourceInstanceStr(s)
		if diags.HasErrors() {
			for _, d := range diags {
				if d.Summary == "" {
					t.Errorf("diagnostic without a summary for %q", s)
				}
			}
			return
		}
		printed := addr.String()
		again, diags := ParseAbsResourceInstanceStr(printed)
		if diags.HasErrors() {
			t.Fatalf("%q parsed as %#v, whose String %q does not parse: %s", s, addr, printed, diags.Error())
		}
		if !again.Equal(addr) {
			t.Fatalf("%q parsed as %#v, whose String %q parses as %#v", s, addr, printed, again)
		}
	})
}
