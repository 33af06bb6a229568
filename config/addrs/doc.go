// Package addrs owns tack's typed addresses: the names by which
// configuration, state, plans and the command line refer to modules,
// resources, clusters, applications, delivery policies, environments,
// guardrails, variables, locals, outputs and providers.
//
// Every address is a small value type with a String method that prints the
// form a user writes (module.net.aws_lb.web[0], cluster.api-prod) and a
// parser that reads that form back, so an address is parsed and printed in
// one place and never built by string concatenation. Types that can be
// sorted have a Less method; every type has Equal.
//
// # References
//
// [ParseRef] turns an HCL expression traversal such as var.region or
// data.aws_ami.ubuntu.id into a [Reference] whose Subject is one of the
// [Referenceable] types. Referenceable is sealed, so a type switch over it
// names every kind of object an expression can refer to.
//
// # Dependencies
//
// addrs is a leaf: every package of tack may import it, and it imports
// nothing of tack, only the standard library, hcl and go-cty. Anything that
// needs a schema, a state or a provider belongs in the package that owns
// those, not here.
package addrs
