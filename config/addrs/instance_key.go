package addrs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// InstanceKey selects one instance of a module call or resource that uses
// count (an [IntKey]) or for_each (a [StringKey]). A nil InstanceKey is
// [NoKey]: the object has a single instance.
//
// The set of keys is sealed; a type switch over IntKey and StringKey is
// exhaustive once nil is handled.
type InstanceKey interface {
	instanceKey()

	// String renders the key as an HCL index step: [0] or ["a"].
	String() string
}

// NoKey is the key of an object that has neither count nor for_each.
var NoKey InstanceKey

// IntKey is the key of one instance of an object that uses count.
type IntKey int

// StringKey is the key of one instance of an object that uses for_each.
type StringKey string

func (IntKey) instanceKey()    {}
func (StringKey) instanceKey() {}

func (k IntKey) String() string { return "[" + strconv.Itoa(int(k)) + "]" }

// String quotes the key with HCL's rules, not Go's, so the result parses
// back as an HCL index even when the key holds quotes, backslashes or
// template introducers (${ and %{).
func (k StringKey) String() string { return "[" + quoteHCL(string(k)) + "]" }

// keyString renders k, printing nothing for NoKey.
func keyString(k InstanceKey) string {
	if k == nil {
		return ""
	}
	return k.String()
}

// keyLess orders NoKey first, then integer keys by value, then string keys
// lexically.
func keyLess(a, b InstanceKey) bool {
	switch a := a.(type) {
	case nil:
		return b != nil
	case IntKey:
		switch b := b.(type) {
		case nil:
			return false
		case IntKey:
			return a < b
		default:
			return true
		}
	case StringKey:
		if b, ok := b.(StringKey); ok {
			return a < b
		}
		return false
	}
	panic(fmt.Sprintf("addrs: unknown InstanceKey %T", a))
}

// quoteHCL writes s as an HCL quoted string literal.
func quoteHCL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '$', '%':
			b.WriteRune(r)
			// A template introducer is escaped by doubling its sigil.
			if strings.HasPrefix(s[i+1:], "{") {
				b.WriteRune(r)
			}
		default:
			switch {
			case unicode.IsPrint(r):
				b.WriteRune(r)
			case r <= 0xFFFF:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
