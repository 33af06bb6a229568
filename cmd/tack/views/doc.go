// Package views renders what tack's commands return for the person or
// program reading the output: diagnostics, plans, and the progress of
// planning and applying. Every view has a human form, which follows
// Terraform's conventions so that people who know Terraform can read it at
// a glance, and a JSON form with a versioned, documented schema for
// programs (docs/diagnostics-json.md, docs/json-format.md); plans also
// have a markdown form for pull-request comments.
//
// The three forms of a plan are drawn from one diff of each object
// (plan_diff.go), so that what is shown, hidden or redacted is decided in
// one place: a value that is sensitive, by a variable's mark or by the
// provider's schema, is never written in any form.
//
// Views write to the io.Writer they are given and read nothing from the
// environment, not even the clock: whether to use colour, how wide the
// terminal is and when a heartbeat is due are decided in cmd/tack and
// passed in. Views hold no logic beyond presentation.
package views
