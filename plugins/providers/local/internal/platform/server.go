package platform

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// routes is the supervisor's API: POST /v1/<operation> with a JSON body,
// answered with JSON, or an [Error] with a 4xx status.
func (s *Supervisor) routes() http.Handler {
	mux := http.NewServeMux()
	ops := map[string]func(context.Context, []byte) (any, error){
		"CreateGroup":        s.createGroup,
		"ListGroups":         s.listGroups,
		"ResizeGroup":        s.resizeGroup,
		"SetTraffic":         s.setTraffic,
		"Health":             s.groupHealth,
		"DestroyGroup":       s.destroyGroup,
		"PutLoadBalancer":    s.putLoadBalancer,
		"GetLoadBalancer":    s.getLoadBalancer,
		"DeleteLoadBalancer": s.deleteLoadBalancer,
		"Metrics":            s.metrics,
	}
	for name, op := range ops {
		mux.HandleFunc("POST /v1/"+name, s.handle(op))
	}
	return mux
}

func (s *Supervisor) handle(op func(context.Context, []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.exiting {
			s.mu.Unlock()
			writeJSON(w, http.StatusServiceUnavailable, errorf(CodeExiting, "the supervisor is shutting down"))
			return
		}
		s.calls++
		s.lastCall = time.Now()
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.calls--
			s.lastCall = time.Now()
			s.mu.Unlock()
			s.poke()
		}()

		var body json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, errorf(CodeInvalid, "malformed request: %v", err))
			return
		}
		out, err := op(r.Context(), body)
		var perr *Error
		switch {
		case errors.As(err, &perr):
			status := http.StatusBadRequest
			switch perr.Code {
			case CodeNotFound:
				status = http.StatusNotFound
			case CodeConflict:
				status = http.StatusConflict
			}
			writeJSON(w, status, perr)
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, &Error{Code: "internal", Message: err.Error()})
		default:
			writeJSON(w, http.StatusOK, out)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decode[T any](body []byte) (T, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return v, errorf(CodeInvalid, "malformed request: %v", err)
	}
	return v, nil
}

func (s *Supervisor) createGroup(_ context.Context, body []byte) (any, error) {
	req, err := decode[createGroupRequest](body)
	if err != nil {
		return nil, err
	}
	spec := req.Group
	spec.Running, spec.Healthy = 0, 0
	if err := validateGroup(spec); err != nil {
		return nil, err
	}
	if _, err := executable(spec.Command, spec.Dir); err != nil {
		return nil, errorf(CodeInvalid, "cannot run the command: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[spec.Name]; g != nil {
		// The same request again (a retried apply) is accepted; anything
		// else would silently replace an immutable group.
		if !g.destroying && g.spec.Cluster.Name == spec.Cluster.Name && g.spec.SpecHash == spec.SpecHash && slices.Equal(g.spec.Command, spec.Command) {
			return s.describe(g), nil
		}
		return nil, errorf(CodeConflict, "a server group named %s already exists with a different spec; server groups are immutable, so create the next one instead", spec.Name)
	}
	for _, id := range spec.LoadBalancers {
		if s.lbs[id] == nil {
			return nil, errorf(CodeNotFound, "there is no load balancer %q on this platform", id)
		}
	}
	if spec.CreatedAt.IsZero() {
		spec.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	}
	g := newGroup(spec)
	s.groups[spec.Name] = g
	s.dirty = true
	s.log.Printf("created server group %s (%d instances, enabled %t)", spec.Name, spec.Capacity.Desired, spec.Traffic.Enabled)
	s.reconcile(g, time.Now())
	s.save()
	return s.describe(g), nil
}

func validateGroup(g Group) error {
	var problems []string
	if g.Name == "" {
		problems = append(problems, "the group has no name")
	}
	if len(g.Command) == 0 || g.Command[0] == "" {
		problems = append(problems, "the command is empty")
	}
	if !filepath.IsAbs(g.Dir) {
		problems = append(problems, "the working directory must be absolute")
	}
	problems = append(problems, capacityProblems(g.Capacity)...)
	if w := g.Traffic.Weight; w < 0 || w > 100 {
		problems = append(problems, "the traffic weight must be between 0 and 100")
	}
	if len(problems) > 0 {
		return errorf(CodeInvalid, "%s", strings.Join(problems, "; "))
	}
	return nil
}

func capacityProblems(c Capacity) []string {
	switch {
	case c.Min < 0 || c.Desired < 0 || c.Max < 0:
		return []string{"capacity cannot be negative"}
	case c.Desired < c.Min || (c.Max > 0 && c.Desired > c.Max):
		return []string{"the desired capacity must be between min and max"}
	}
	return nil
}

// describe is a group as the API answers it. Called with mu held.
func (s *Supervisor) describe(g *group) Group {
	out := g.spec
	for _, in := range g.instances {
		if in.exited || in.Terminating {
			continue
		}
		out.Running++
		if s.health(in).State == StateUp {
			out.Healthy++
		}
	}
	return out
}

func (s *Supervisor) listGroups(_ context.Context, body []byte) (any, error) {
	req, err := decode[listGroupsRequest](body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := listGroupsResponse{Groups: []Group{}}
	for _, name := range sortedKeys(s.groups) {
		if g := s.groups[name]; !g.destroying && (req.Cluster == "" || g.spec.Cluster.Name == req.Cluster) {
			resp.Groups = append(resp.Groups, s.describe(g))
		}
	}
	return resp, nil
}

// find returns the live group ref names. Called with mu held.
func (s *Supervisor) find(ref groupRef) (*group, error) {
	g := s.groups[ref.Name]
	if g == nil || (ref.Cluster != "" && g.spec.Cluster.Name != ref.Cluster) {
		return nil, errorf(CodeNotFound, "there is no server group %s in cluster %s", ref.Name, ref.Cluster)
	}
	if g.destroying {
		return nil, errorf(CodeNotFound, "the server group %s is being destroyed", ref.Name)
	}
	return g, nil
}

func (s *Supervisor) resizeGroup(_ context.Context, body []byte) (any, error) {
	req, err := decode[resizeRequest](body)
	if err != nil {
		return nil, err
	}
	if p := capacityProblems(req.Capacity); p != nil {
		return nil, errorf(CodeInvalid, "%s", p[0])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.find(req.groupRef)
	if err != nil {
		return nil, err
	}
	g.spec.Capacity = req.Capacity
	s.dirty = true
	s.log.Printf("resized server group %s to %d", g.spec.Name, req.Capacity.Desired)
	s.reconcile(g, time.Now())
	s.save()
	return empty{}, nil
}

func (s *Supervisor) setTraffic(_ context.Context, body []byte) (any, error) {
	req, err := decode[setTrafficRequest](body)
	if err != nil {
		return nil, err
	}
	if w := req.Traffic.Weight; w < 0 || w > 100 {
		return nil, errorf(CodeInvalid, "the traffic weight must be between 0 and 100; got %d", w)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.find(req.groupRef)
	if err != nil {
		return nil, err
	}
	g.spec.Traffic = req.Traffic
	s.dirty = true
	s.log.Printf("server group %s: enabled %t, weight %d", g.spec.Name, req.Traffic.Enabled, req.Traffic.Weight)
	// Disabling drains by itself: the new tables send no new requests to
	// the group, and those in flight finish on their connections.
	s.rebuildFor(g)
	s.save()
	return empty{}, nil
}

func (s *Supervisor) groupHealth(_ context.Context, body []byte) (any, error) {
	req, err := decode[groupRef](body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[req.Name]
	if g == nil || (req.Cluster != "" && g.spec.Cluster.Name != req.Cluster) {
		return nil, errorf(CodeNotFound, "there is no server group %s in cluster %s", req.Name, req.Cluster)
	}
	resp := healthResponse{Instances: []InstanceHealth{}}
	ins := slices.Clone(g.instances)
	slices.SortFunc(ins, func(a, b *instance) int {
		if a.Slot != b.Slot {
			return a.Slot - b.Slot
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, in := range ins {
		resp.Instances = append(resp.Instances, s.health(in))
	}
	return resp, nil
}

// destroyGroup drains and stops every instance of a group, and answers
// once they have stopped (or the caller gives up; the supervisor carries
// on). A group already gone is not an error.
func (s *Supervisor) destroyGroup(ctx context.Context, body []byte) (any, error) {
	req, err := decode[groupRef](body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	g := s.groups[req.Name]
	if g == nil || (req.Cluster != "" && g.spec.Cluster.Name != req.Cluster) {
		s.mu.Unlock()
		return empty{}, nil
	}
	if !g.destroying {
		s.log.Printf("destroying server group %s", g.spec.Name)
		s.destroyLocked(g)
		s.save()
	}
	done := g.done
	s.mu.Unlock()
	select {
	case <-done:
		return empty{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Supervisor) putLoadBalancer(_ context.Context, body []byte) (any, error) {
	rec, err := decode[LoadBalancer](body)
	if err != nil {
		return nil, err
	}
	if rec.ID == "" {
		return nil, errorf(CodeInvalid, "the load balancer has no id")
	}
	if _, _, err := net.SplitHostPort(rec.Listen); err != nil {
		return nil, errorf(CodeInvalid, "listen must be host:port, such as 127.0.0.1:8080: %v", err)
	}
	rec.Address, rec.Listening, rec.Error = "", false, ""
	s.mu.Lock()
	defer s.mu.Unlock()
	lb := s.lbs[rec.ID]
	if lb == nil {
		lb = s.newBalancer(rec)
		if err := s.listen(lb, rec.Listen); err != nil {
			return nil, errorf(CodeConflict, "cannot listen on %s: %v", rec.Listen, unwrapNet(err))
		}
		s.lbs[rec.ID] = lb
		s.log.Printf("load balancer %s listening on %s", rec.ID, lb.rec.Address)
		// Groups created before it (a load balancer recreated with its
		// id) are checked and routed to as well.
		for _, g := range s.groups {
			if slices.Contains(g.spec.LoadBalancers, rec.ID) {
				for _, in := range g.instances {
					s.startCheck(in, rec.ID, false)
				}
			}
		}
	} else {
		old := lb.rec
		rec.Address = old.Address
		lb.rec = rec
		if rec.Listen != old.Listen || lb.srv == nil {
			if err := s.listen(lb, rec.Listen); err != nil {
				lb.rec = old
				return nil, errorf(CodeConflict, "cannot listen on %s: %v", rec.Listen, unwrapNet(err))
			}
			s.log.Printf("load balancer %s now listening on %s", rec.ID, lb.rec.Address)
		}
	}
	s.rebuild(lb)
	s.dirty = true
	s.save()
	return lb.describe(), nil
}

// describe is the load balancer as the API answers it. Called with mu
// held.
func (lb *balancer) describe() LoadBalancer {
	out := lb.rec
	out.Listening = lb.srv != nil
	out.Error = lb.err
	return out
}

func unwrapNet(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

func (s *Supervisor) getLoadBalancer(_ context.Context, body []byte) (any, error) {
	req, err := decode[loadBalancerRef](body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lb := s.lbs[req.ID]
	if lb == nil {
		return nil, errorf(CodeNotFound, "there is no load balancer %q on this platform", req.ID)
	}
	return lb.describe(), nil
}

// deleteLoadBalancer stops a load balancer once its requests in flight
// have finished (at most its drain timeout). Groups attached to it stay,
// no longer routed to by it. One already gone is not an error.
func (s *Supervisor) deleteLoadBalancer(ctx context.Context, body []byte) (any, error) {
	req, err := decode[loadBalancerRef](body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	lb := s.lbs[req.ID]
	if lb == nil {
		s.mu.Unlock()
		return empty{}, nil
	}
	delete(s.lbs, req.ID)
	for _, g := range s.groups {
		for _, in := range g.instances {
			if c := in.checks[req.ID]; c != nil {
				close(c.stop)
				delete(in.checks, req.ID)
				// An instance nothing checks any more is checked by its
				// port, so that its health still means something.
				if len(in.checks) == 0 {
					s.startCheck(in, "", false)
				}
			}
		}
	}
	s.dirty = true
	s.save()
	s.log.Printf("deleted load balancer %s", req.ID)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, drainOf(lb.rec))
	defer cancel()
	lb.close(ctx)
	return empty{}, nil
}

func (s *Supervisor) metrics(_ context.Context, body []byte) (any, error) {
	req, err := decode[metricsRequest](body)
	if err != nil {
		return nil, err
	}
	if !req.Start.Before(req.End) {
		return nil, errorf(CodeInvalid, "the window's start must be before its end")
	}
	s.mu.Lock()
	lbs := mapValues(s.lbs)
	s.mu.Unlock()
	resp := metricsResponse{Groups: []GroupMetrics{}}
	for _, name := range req.Groups {
		m := newGroupMetrics(name)
		for _, lb := range lbs {
			lb.meter.addTo(&m, req.Start, req.End)
		}
		resp.Groups = append(resp.Groups, m)
	}
	return resp, nil
}
