package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// checker is one active health check of one instance: by a load balancer
// (lb is its ID) or the group's own (lb ""). Its fields are guarded by the
// supervisor's mu.
//
// As with an ALB target group, an instance starts "starting", becomes up
// after HealthyThreshold passes in a row and down after
// UnhealthyThreshold failures in a row, from either state.
type checker struct {
	lb     string
	state  string
	passes int
	fails  int
	reason string // the last failure
	// adopted instances were serving before a supervisor restart: one pass
	// puts them back in rotation.
	adopted bool
	stop    chan struct{}
}

// record counts one probe and reports whether the checker became up or
// stopped being up.
func (c *checker) record(err error, hc HealthCheck) bool {
	wasUp := c.state == StateUp
	if err == nil {
		c.passes++
		c.fails = 0
		need := hc.HealthyThreshold
		if c.adopted {
			need = 1
		}
		if c.state != StateUp && c.passes >= need {
			c.state, c.reason = StateUp, ""
		}
	} else {
		c.fails++
		c.passes = 0
		c.adopted = false
		c.reason = err.Error()
		if c.state != StateDown && c.fails >= hc.UnhealthyThreshold {
			c.state = StateDown
		}
	}
	return wasUp != (c.state == StateUp)
}

// startChecks starts the health checks of a new or adopted instance: one
// per load balancer its group is attached to, and the group's own when it
// has one or no load balancer exists to check it. Called with mu held.
func (s *Supervisor) startChecks(g *group, in *instance, adopted bool) {
	attached := false
	for _, id := range g.spec.LoadBalancers {
		if s.lbs[id] != nil {
			s.startCheck(in, id, adopted)
			attached = true
		}
	}
	if g.spec.HealthCheck != nil || !attached {
		s.startCheck(in, "", adopted)
	}
}

// startCheck starts one check unless it runs already. Called with mu held.
func (s *Supervisor) startCheck(in *instance, lb string, adopted bool) {
	if in.checks[lb] != nil || in.exited || in.Terminating {
		return
	}
	c := &checker{lb: lb, state: StateStarting, adopted: adopted, stop: make(chan struct{})}
	in.checks[lb] = c
	s.bg.Add(1)
	go s.runCheck(in, c)
}

// stopChecks ends every check of an instance. Called with mu held.
func (s *Supervisor) stopChecks(in *instance) {
	for lb, c := range in.checks {
		close(c.stop)
		delete(in.checks, lb)
	}
}

// settings are the check's parameters, read afresh for every probe so
// that a changed health check applies without losing the instance's
// state; ok is false when the load balancer is gone. Called with mu held.
func (s *Supervisor) settings(in *instance, lb string) (hc HealthCheck, tcp, ok bool) {
	if lb != "" {
		b := s.lbs[lb]
		if b == nil {
			return HealthCheck{}, false, false
		}
		return b.rec.HealthCheck.WithDefaults(), false, true
	}
	g := s.groups[in.group]
	if g == nil {
		return HealthCheck{}, false, false
	}
	if g.spec.HealthCheck == nil {
		return HealthCheck{}.WithDefaults(), true, true
	}
	return g.spec.HealthCheck.WithDefaults(), false, true
}

func (s *Supervisor) runCheck(in *instance, c *checker) {
	defer s.bg.Done()
	// The first probe comes soon: most commands listen within
	// milliseconds, and a deployment waits for this.
	timer := time.NewTimer(50 * time.Millisecond)
	defer timer.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-s.stopping:
			return
		case <-timer.C:
		}
		s.mu.Lock()
		hc, tcp, ok := s.settings(in, c.lb)
		s.mu.Unlock()
		if !ok {
			return
		}
		err := s.probe(in.addr, hc, tcp)
		s.mu.Lock()
		select {
		case <-c.stop:
			s.mu.Unlock()
			return
		default:
		}
		if c.record(err, hc) && c.lb != "" {
			if lb := s.lbs[c.lb]; lb != nil {
				s.rebuild(lb)
			}
		}
		if c.state == StateUp {
			// The slot serves again: how its last instance ended is
			// history, not a reason for anything now.
			if g := s.groups[in.group]; g != nil && g.slots[in.Slot] != nil {
				g.slots[in.Slot].lastExit = ""
			}
		}
		s.mu.Unlock()
		timer.Reset(hc.Interval)
	}
}

// probe checks one instance: an HTTP GET of the path that answers 2xx or
// 3xx, or with tcp a connection.
func (s *Supervisor) probe(addr string, hc HealthCheck, tcp bool) error {
	if tcp {
		conn, err := net.DialTimeout("tcp", addr, hc.Timeout)
		if err != nil {
			return fmt.Errorf("connecting to port %s: %s", portOf(addr), netReason(err, hc.Timeout))
		}
		return conn.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), hc.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+hc.Path, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", hc.Path, err)
	}
	req.Header.Set("User-Agent", "tack-local-health-check")
	resp, err := s.healthClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %s", hc.Path, netReason(err, hc.Timeout))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: HTTP %d", hc.Path, resp.StatusCode)
	}
	return nil
}

// netReason says in a few words why a connection or request failed.
func netReason(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer"
	}
	return err.Error()
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// health is an instance's health as GetHealth reports it. Called with mu
// held.
func (s *Supervisor) health(in *instance) InstanceHealth {
	h := InstanceHealth{ID: in.ID, PID: in.PID, Port: in.Port}
	switch {
	case in.exited:
		h.State = StateDown
		h.Reason = in.exitReason
		if g := s.groups[in.group]; g != nil && !g.destroying {
			if wait := time.Until(g.slot(in.Slot).notBefore); wait > 0 {
				h.Reason += fmt.Sprintf("; restarting in %s", wait.Round(100*time.Millisecond))
			} else {
				h.Reason += "; restarting"
			}
		}
		if tail := lastLines(in.Log, 5); tail != "" {
			h.Reason += "; last output: " + tail
		}
		return h
	case in.Terminating:
		h.State, h.Reason = StateDown, "stopping: draining and shutting down"
		return h
	}
	h.State = StateUp
	for _, lb := range sortedKeys(in.checks) {
		c := in.checks[lb]
		why := c.reason
		if lb != "" && why != "" {
			why = "load balancer " + lb + ": " + why
		}
		switch {
		case c.state == StateDown:
			if h.State != StateDown {
				h.State, h.Reason = StateDown, why
			}
		case c.state == StateStarting && h.State == StateUp:
			h.State, h.Reason = StateStarting, why
			if h.Reason == "" {
				h.Reason = "waiting for health checks to pass"
			}
		}
	}
	if h.State == StateDown {
		if tail := lastLines(in.Log, 5); tail != "" {
			h.Reason += "; last output: " + tail
		}
	}
	if g := s.groups[in.group]; h.State != StateUp && g != nil {
		if st := g.slots[in.Slot]; st != nil && st.lastExit != "" {
			h.Reason += "; " + st.lastExit
		}
	}
	return h
}
