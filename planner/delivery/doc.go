// Package delivery turns a cluster change into deployment steps and
// judges canaries: Spinnaker's strategies (red_black, rolling, canary,
// highlander, none) as plain data that plans show and apply carries out,
// server group naming (app-stack-detail-vNNN), the traffic guard, and the
// statistics of canary analysis.
//
// The package plans and judges; it does not call providers. It imports
// nothing of tack but plugins/sdk's types where a step needs them.
package delivery
