package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file is the supervisor's API: the JSON bodies [Client] sends to
// /v1/<operation> on the supervisor's socket, and what comes back. The
// same types are what state.json records, so a field added here is
// persisted too.

// ClusterRef names the cluster a group belongs to, in Spinnaker's
// app-stack-detail form.
type ClusterRef struct {
	Name        string `json:"name"`
	Application string `json:"application,omitempty"`
	Stack       string `json:"stack,omitempty"`
	Detail      string `json:"detail,omitempty"`
}

// Capacity is a group's size in instances; the platform runs Desired.
type Capacity struct {
	Min     int64 `json:"min"`
	Desired int64 `json:"desired"`
	Max     int64 `json:"max"`
}

// Traffic is whether a group takes requests from its load balancers and
// its share of them; see [Shares] for how weights split traffic.
type Traffic struct {
	Enabled bool  `json:"enabled"`
	Weight  int32 `json:"weight"`
}

// Group is one server group: N processes of Command. Spec and SpecHash are
// the provider's, kept and returned as given.
type Group struct {
	Name     string          `json:"name"`
	Cluster  ClusterRef      `json:"cluster"`
	Sequence int32           `json:"sequence"`
	Spec     json.RawMessage `json:"spec,omitempty"`
	SpecHash string          `json:"spec_hash,omitempty"`
	Version  string          `json:"version,omitempty"`

	// Command is the argv of each instance. A first element with a slash
	// that is not absolute resolves against Dir; one without a slash is
	// looked up in PATH.
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
	// Dir is the instances' working directory, absolute.
	Dir string `json:"dir"`
	// HealthCheck, when set, makes the supervisor check each instance
	// with an HTTP GET, in addition to the checks of the load balancers
	// the group is attached to. A group with neither is checked by
	// connecting to its port.
	HealthCheck *HealthCheck `json:"health_check,omitempty"`
	// StopTimeout is how long an instance has to exit after SIGTERM before
	// it is killed; zero means [DefaultStopTimeout].
	StopTimeout time.Duration `json:"stop_timeout,omitempty"`

	Capacity      Capacity  `json:"capacity"`
	Traffic       Traffic   `json:"traffic"`
	LoadBalancers []string  `json:"load_balancers,omitempty"`
	CreatedAt     time.Time `json:"created_at"`

	// Running and Healthy count instances; set in ListGroups answers only.
	Running int `json:"running,omitempty"`
	Healthy int `json:"healthy,omitempty"`
}

// DefaultStopTimeout is how long an instance has between SIGTERM and
// SIGKILL when its group does not say.
const DefaultStopTimeout = 10 * time.Second

// HealthCheck is a load balancer's active health check. Zero fields take
// the defaults [HealthCheck.WithDefaults] fills in.
type HealthCheck struct {
	Path               string        `json:"path,omitempty"`
	Interval           time.Duration `json:"interval,omitempty"`
	Timeout            time.Duration `json:"timeout,omitempty"`
	HealthyThreshold   int           `json:"healthy_threshold,omitempty"`
	UnhealthyThreshold int           `json:"unhealthy_threshold,omitempty"`
}

// Defaults of a load balancer's health check: quick, because the platform
// is a laptop and a deployment waits on it.
const (
	DefaultHealthPath         = "/"
	DefaultHealthInterval     = time.Second
	DefaultHealthTimeout      = time.Second
	DefaultHealthyThreshold   = 2
	DefaultUnhealthyThreshold = 2
	// DefaultDrainTimeout bounds how long a destroyed or scaled-in
	// instance's in-flight requests may run before it is stopped anyway.
	DefaultDrainTimeout = 30 * time.Second
)

// WithDefaults fills the zero fields. A timeout longer than the interval
// is cut to the interval, so that checks never overlap.
func (h HealthCheck) WithDefaults() HealthCheck {
	if h.Path == "" {
		h.Path = DefaultHealthPath
	}
	if h.Interval <= 0 {
		h.Interval = DefaultHealthInterval
	}
	if h.Timeout <= 0 {
		h.Timeout = DefaultHealthTimeout
	}
	h.Timeout = min(h.Timeout, h.Interval)
	if h.HealthyThreshold <= 0 {
		h.HealthyThreshold = DefaultHealthyThreshold
	}
	if h.UnhealthyThreshold <= 0 {
		h.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	return h
}

// LoadBalancer is an HTTP reverse proxy listening on Listen, routing to
// the groups that name its ID in their LoadBalancers.
type LoadBalancer struct {
	ID string `json:"id"`
	// Listen is host:port as configured; port 0 lets the platform choose
	// one, which Address then records and keeps across restarts.
	Listen       string          `json:"listen"`
	HealthCheck  HealthCheck     `json:"health_check"`
	DrainTimeout time.Duration   `json:"drain_timeout,omitempty"`
	Spec         json.RawMessage `json:"spec,omitempty"`

	// Address is where it listens (Listen with the chosen port).
	Address string `json:"address,omitempty"`
	// Listening is false, with Error saying why, when the supervisor could
	// not listen again after a restart (the port was taken); it retries.
	Listening bool   `json:"listening,omitempty"`
	Error     string `json:"error,omitempty"`
}

// InstanceHealth is one instance: State is "up", "down" or "starting".
type InstanceHealth struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	PID    int    `json:"pid,omitempty"`
	Port   int    `json:"port,omitempty"`
}

// Instance health states.
const (
	StateUp       = "up"
	StateDown     = "down"
	StateStarting = "starting"
)

// GroupMetrics is what the load balancers counted for one group in a
// window: requests, responses with status 5xx (the proxy's own 502s
// included), and a latency histogram: Counts[i] requests took at most
// Bounds[i], and the last count those longer than every bound.
type GroupMetrics struct {
	Name     string          `json:"name"`
	Requests int64           `json:"requests"`
	Errors   int64           `json:"errors"`
	Bounds   []time.Duration `json:"bounds"`
	Counts   []int64         `json:"counts"`
}

// The operations' requests and responses.
type (
	createGroupRequest struct {
		Group Group `json:"group"`
	}
	listGroupsRequest struct {
		Cluster string `json:"cluster"`
	}
	listGroupsResponse struct {
		Groups []Group `json:"groups"`
	}
	groupRef struct {
		Cluster string `json:"cluster"`
		Name    string `json:"name"`
	}
	resizeRequest struct {
		groupRef
		Capacity Capacity `json:"capacity"`
	}
	setTrafficRequest struct {
		groupRef
		Traffic Traffic `json:"traffic"`
	}
	healthResponse struct {
		Instances []InstanceHealth `json:"instances"`
	}
	loadBalancerRef struct {
		ID string `json:"id"`
	}
	metricsRequest struct {
		Groups []string  `json:"groups"`
		Start  time.Time `json:"start"`
		End    time.Time `json:"end"`
	}
	metricsResponse struct {
		Groups []GroupMetrics `json:"groups"`
	}
	empty struct{}
)

// Error is a refusal by the supervisor: Code says what kind, for callers
// that branch on it; Message is a sentence for the user.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"error"`
}

// Error codes.
const (
	CodeNotFound = "not_found"
	CodeInvalid  = "invalid"
	CodeConflict = "conflict"
	// CodeExiting is answered by a supervisor that is shutting down
	// because it manages nothing; the client starts a new one.
	CodeExiting = "exiting"
)

func (e *Error) Error() string { return e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// IsNotFound reports whether err says the group or load balancer does not
// exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeNotFound
}
