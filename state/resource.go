package state

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/tackhq/tack/config/addrs"
)

// ProviderRef names the provider configuration that manages a resource or
// a cluster: the provider's source address and the configuration's alias.
type ProviderRef struct {
	Source string // "tack/local", "tack/aws"
	Alias  string // "" for the default configuration, or "west"
}

// String renders p as provider["tack/local"] or provider["tack/aws"].west.
func (p ProviderRef) String() string {
	s := "provider[" + strconv.Quote(p.Source) + "]"
	if p.Alias != "" {
		s += "." + p.Alias
	}
	return s
}

// Resource is one resource (a resource or data block in one module
// instance) with all its instances. What the instances share, the address
// and the provider, is recorded once.
type Resource struct {
	Addr     addrs.AbsResource
	Provider ProviderRef

	// Instances are keyed by count index ([addrs.IntKey]), for_each key
	// ([addrs.StringKey]), or [addrs.NoKey]. A Resource in a State has at
	// least one instance.
	Instances map[addrs.InstanceKey]*ResourceInstance
}

// DeepCopy returns a copy of r that shares nothing mutable with it.
func (r *Resource) DeepCopy() *Resource {
	if r == nil {
		return nil
	}
	ret := &Resource{Addr: r.Addr, Provider: r.Provider, Instances: make(map[addrs.InstanceKey]*ResourceInstance, len(r.Instances))}
	for k, is := range r.Instances {
		ret.Instances[k] = is.DeepCopy()
	}
	return ret
}

// ResourceInstance holds the objects recorded for one instance: the
// current one, and those deposed by create_before_destroy that are still
// to be destroyed. An instance in a State has at least one object.
type ResourceInstance struct {
	Current *ObjectSrc                // nil when there is none
	Deposed map[DeposedKey]*ObjectSrc // nil or empty when there is none
}

// HasObjects reports whether i holds a current or a deposed object.
func (i *ResourceInstance) HasObjects() bool {
	return i != nil && (i.Current != nil || len(i.Deposed) > 0)
}

// DeepCopy returns a copy of i that shares nothing mutable with it.
func (i *ResourceInstance) DeepCopy() *ResourceInstance {
	if i == nil {
		return nil
	}
	ret := &ResourceInstance{Current: i.Current.DeepCopy()}
	if i.Deposed != nil {
		ret.Deposed = make(map[DeposedKey]*ObjectSrc, len(i.Deposed))
		for k, o := range i.Deposed {
			ret.Deposed[k] = o.DeepCopy()
		}
	}
	return ret
}

// DeposedKey identifies a deposed object of a resource instance: eight
// lowercase hexadecimal digits, random so that two deposed objects of one
// instance do not collide.
type DeposedKey string

// NotDeposed is the DeposedKey of the current object.
const NotDeposed DeposedKey = ""

// NewDeposedKey returns a new random DeposedKey.
func NewDeposedKey() DeposedKey {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return DeposedKey(hex.EncodeToString(b[:]))
}

// valid reports whether k has the form NewDeposedKey makes.
func (k DeposedKey) valid() bool {
	if len(k) != 8 {
		return false
	}
	for _, c := range []byte(k) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
