// Package views renders what tack's commands return for the person or
// program reading the output: diagnostics today, plans and delivery events
// later. Every view has a human form, which follows Terraform's conventions
// so that people who know Terraform can read it at a glance, and a JSON form
// with a versioned, documented schema for programs.
//
// Views write to the io.Writer they are given and read nothing from the
// environment: whether to use colour and how wide the terminal is are
// decided once in cmd/tack and passed in as plain fields. Views hold no
// logic beyond presentation.
package views
