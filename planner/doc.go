// Package planner is tack's core: from a configuration, the recorded state
// and the providers, it refreshes what is live, computes a [Plan] of every
// change with the reasons behind it, and applies exactly that plan,
// recording state after every completed operation.
//
// # Pipeline
//
// Plan and apply both walk a dependency graph built from references,
// depends_on and the state (for objects that are going away). The graph is
// built by a short list of transformation steps (see graph_builder.go),
// and walked with bounded parallelism; the first error stops new work
// while work in flight finishes.
//
// # Boundaries
//
// planner takes its configuration, state, providers and event sink through
// [Opts]; it never reads the environment, never prints, and never imports
// cmd. Progress is reported as [Event] values, which cmd renders as human
// lines or JSON and which tests read directly.
package planner
