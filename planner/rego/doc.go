// Package rego is tack's optional policy engine: it loads a directory of
// Rego policies once and evaluates them on plans rendered as JSON, so a
// team can refuse, question or flag a plan before it is applied.
//
// # Conftest compatibility
//
// The rules and their shapes are conftest's, so policies a team already
// keeps for conftest work unchanged:
//
//   - every package in the directory is evaluated (conftest's
//     --all-namespaces), not only package main;
//   - the rules read are deny, violation, warn and override_required,
//     and those whose names start with deny_, violation_, warn_ or
//     override_required_ (deny_prod, say); a package need not define
//     any of them. deny and violation rules are one level, as conftest
//     counts both as failures: [Level] says which level a rule has;
//   - a rule is a set (or array) of results, each a message string or an
//     object with a "msg" string and, as tack adds, an optional "address"
//     string naming the planned change it concerns;
//   - both Rego v1 syntax (deny contains msg if { … }) and the older v0
//     syntax (deny[msg] { … }) are accepted, chosen per file;
//   - files named *_test.rego are conftest's unit tests and are skipped.
//
// # Boundaries
//
// rego owns loading, compiling and evaluating policies, and nothing of
// what a result means: whether a deny stops an apply, or who may grant an
// override, is decided by its caller. It never prints, never reads the
// environment, and imports nothing of tack's, so the planner and cmd may
// both use it. The policies themselves are trusted code: they run with
// all of OPA's built-in functions, http.send included.
package rego
