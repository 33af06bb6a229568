// Package platform is the local provider's platform: server groups as real
// OS processes and load balancers as real HTTP reverse proxies, kept
// running by a supervisor process that outlives the tack command that
// started it.
//
// # Pieces
//
//   - [Supervise] is the supervisor's whole life: it locks the platform
//     directory, restores the persisted desired state (re-adopting
//     instances that survived it, relaunching the rest, listening again
//     on every load balancer), serves its API on a unix socket, replaces
//     crashed instances, and returns once it manages nothing.
//   - [Client] is the provider's side: each call starts a supervisor when
//     none is running, then speaks JSON over HTTP on the socket.
//
// The desired state (groups, capacities, traffic, load balancers, and the
// instances the supervisor started) is written to state.json in the
// platform directory, atomically, after every change, so that a killed
// supervisor loses nothing: the next one picks up where it stopped.
//
// # What it must not do
//
// It imports nothing of tack, not even plugins/sdk: the provider package
// translates between the SDK's contract and this package's API. It never
// exits the process; cmd/tack-provider-local does, after [Supervise]
// returns.
package platform
