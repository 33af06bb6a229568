package views

import (
	"fmt"
	"slices"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// The plans the view tests render, built as planner.Plan values so that
// no provider is needed. By convention every string that must never be
// shown contains "SECRET"; TestPlanNoSensitiveValues relies on it.

var planCreated = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

var localProvider = state.ProviderRef{Source: "tack/local"}

var fileSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{
		"id":                {Type: cty.String, Computed: true},
		"filename":          {Type: cty.String, Required: true},
		"content":           {Type: cty.String, Optional: true},
		"sensitive_content": {Type: cty.String, Optional: true, Sensitive: true},
		"file_permission":   {Type: cty.String, Optional: true, Computed: true},
		"tags":              {Type: cty.Map(cty.String), Optional: true},
		"aliases":           {Type: cty.List(cty.String), Optional: true},
	},
}

var lbSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{
		"id":       {Type: cty.String, Computed: true},
		"name":     {Type: cty.String, Required: true},
		"listen":   {Type: cty.String, Required: true},
		"settings": {Type: cty.Object(map[string]cty.Type{"timeout": cty.Number, "retries": cty.Number}), Optional: true},
	},
	BlockTypes: map[string]*sdk.NestedBlock{
		"health_check": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"path":              {Type: cty.String, Required: true},
			"interval":          {Type: cty.String, Optional: true},
			"healthy_threshold": {Type: cty.Number, Optional: true},
		}}},
		"rule": {Nesting: sdk.NestingList, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"path":    {Type: cty.String, Required: true},
			"port":    {Type: cty.Number, Required: true},
			"methods": {Type: cty.List(cty.String), Optional: true},
		}}},
		"target": {Nesting: sdk.NestingSet, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"address": {Type: cty.String, Required: true},
			"weight":  {Type: cty.Number, Optional: true},
		}}},
		"listener": {Nesting: sdk.NestingMap, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"port":     {Type: cty.Number, Required: true},
			"protocol": {Type: cty.String, Optional: true},
		}}},
	},
}

var commandSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{
		"id":      {Type: cty.String, Computed: true},
		"command": {Type: cty.List(cty.String), Required: true},
		"output":  {Type: cty.String, Computed: true},
	},
}

var testSchemas = map[string]map[string]*sdk.Block{
	"tack/local": {
		"local_file":          fileSchema,
		"local_load_balancer": lbSchema,
		"local_command":       commandSchema,
	},
}

func mustAddr(s string) addrs.AbsResourceInstance {
	a, diags := addrs.ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		panic(diags.Error())
	}
	return a
}

func newPlan(changes ...*planner.ResourceChange) *planner.Plan {
	return &planner.Plan{
		Lineage:   "8d2f0c52-6c1e-4b8e-9f3a-2f6f3c1d9e70",
		Serial:    7,
		Variables: map[string]cty.Value{},
		Changes:   changes,
		Schemas:   testSchemas,
		Created:   planCreated,
	}
}

func change(addr string, act planner.Action, before, after cty.Value) *planner.ResourceChange {
	a := mustAddr(addr)
	if act == planner.Create {
		before = cty.NullVal(after.Type())
	}
	if act == planner.Delete {
		after = cty.NullVal(before.Type())
	}
	return &planner.ResourceChange{
		Addr:        a,
		PrevRunAddr: a,
		Provider:    localProvider,
		Mode:        a.Resource.Resource.Mode,
		Action:      act,
		Before:      before,
		After:       after,
	}
}

var (
	str     = cty.StringVal
	num     = cty.NumberIntVal
	unknown = cty.UnknownVal(cty.String)
)

// with returns obj with the given attributes replaced.
func with(obj cty.Value, set map[string]cty.Value) cty.Value {
	attrs := obj.AsValueMap()
	for k, v := range set {
		attrs[k] = v
	}
	return cty.ObjectVal(attrs)
}

func secret(v cty.Value) cty.Value { return v.Mark(config.Sensitive) }

func file(set map[string]cty.Value) cty.Value { return fileSchema.Object(set) }

func lb(set map[string]cty.Value) cty.Value { return lbSchema.Object(set) }

func strs(ss ...string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	var vs []cty.Value
	for _, s := range ss {
		vs = append(vs, str(s))
	}
	return cty.ListVal(vs)
}

func strmap(kv ...string) cty.Value {
	m := map[string]cty.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = str(kv[i+1])
	}
	return cty.MapVal(m)
}

func healthCheck(path, interval string, threshold int64) cty.Value {
	return lbSchema.BlockTypes["health_check"].Block.Object(map[string]cty.Value{
		"path": str(path), "interval": str(interval), "healthy_threshold": num(threshold),
	})
}

func rule(path string, port int64, methods ...string) cty.Value {
	return lbSchema.BlockTypes["rule"].Block.Object(map[string]cty.Value{
		"path": str(path), "port": num(port), "methods": strs(methods...),
	})
}

func rules(rs ...cty.Value) cty.Value {
	if len(rs) == 0 {
		return cty.ListValEmpty(lbSchema.BlockTypes["rule"].Block.ImpliedType())
	}
	return cty.ListVal(rs)
}

func target(address string, weight int64) cty.Value {
	return lbSchema.BlockTypes["target"].Block.Object(map[string]cty.Value{"address": str(address), "weight": num(weight)})
}

func listener(port int64, protocol string) cty.Value {
	return lbSchema.BlockTypes["listener"].Block.Object(map[string]cty.Value{"port": num(port), "protocol": str(protocol)})
}

func settings(timeout, retries int64) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"timeout": num(timeout), "retries": num(retries)})
}

// fullLB is a load balancer with one of everything.
func fullLB(id cty.Value) cty.Value {
	return lb(map[string]cty.Value{
		"id":           id,
		"name":         str("api"),
		"listen":       str("127.0.0.1:8080"),
		"settings":     settings(30, 3),
		"health_check": healthCheck("/healthz", "1s", 2),
		"rule":         rules(rule("/", 8080, "GET", "HEAD")),
		"target":       cty.SetVal([]cty.Value{target("127.0.0.1:9001", 1)}),
		"listener":     cty.MapVal(map[string]cty.Value{"http": listener(80, "http")}),
	})
}

type planFixture struct {
	name string
	plan func() *planner.Plan
}

var planFixtures = slices.Concat([]planFixture{
	{"create", func() *planner.Plan {
		return newPlan(
			change("local_file.a", planner.Create, cty.NilVal, file(map[string]cty.Value{
				"id":              unknown,
				"filename":        str("out/a.txt"),
				"content":         str("hello, world"),
				"file_permission": str("0644"),
				"tags":            strmap("env", "prod", "team", "edge"),
				"aliases":         strs("a", "b"),
			})),
			change("local_load_balancer.api", planner.Create, cty.NilVal, fullLB(unknown)),
		)
	}},

	{"update", func() *planner.Plan {
		return newPlan(
			change("local_file.b", planner.Update,
				file(map[string]cty.Value{
					"id": str("b-1"), "filename": str("out/b.txt"), "content": str("old"), "file_permission": str("0644"),
					"tags": strmap("env", "staging", "team", "edge"), "aliases": strs("a", "b", "c"),
				}),
				file(map[string]cty.Value{
					"id": str("b-1"), "filename": str("out/b.txt"), "content": str("new"), "file_permission": str("0644"),
					"tags": strmap("env", "prod", "team", "edge", "tier", "web"), "aliases": strs("a", "c", "d"),
				})),
			change("local_file.c", planner.Update,
				file(map[string]cty.Value{"id": str("c-1"), "filename": str("out/c.txt"), "content": str("going away"), "file_permission": str("0644")}),
				file(map[string]cty.Value{"id": str("c-1"), "filename": str("out/c.txt"), "file_permission": str("0644"), "tags": strmap("owner", "edge")})),
		)
	}},

	{"replace", func() *planner.Plan {
		before := func(name string) cty.Value {
			return file(map[string]cty.Value{"id": str(name + "-1"), "filename": str("out/" + name + ".txt"), "content": str("x"), "file_permission": str("0644")})
		}
		after := func(name string) cty.Value {
			return file(map[string]cty.Value{"id": unknown, "filename": str("out/" + name + ".txt"), "content": str("x"), "file_permission": str("0644")})
		}
		c := change("local_file.c", planner.DeleteThenCreate, before("c"),
			file(map[string]cty.Value{"id": unknown, "filename": str("out/c2.txt"), "content": str("x"), "file_permission": str("0644")}))
		c.Reason = planner.ReplaceBecauseCannotUpdate
		c.RequiredReplace = []cty.Path{cty.GetAttrPath("filename")}
		d := change("local_file.d", planner.CreateThenDelete, before("d"), after("d"))
		d.Reason = planner.ReplaceByRequest
		e := change("local_file.e", planner.DeleteThenCreate, before("e"), after("e"))
		e.Reason = planner.ReplaceBecauseTainted
		f := change("local_file.f", planner.DeleteThenCreate, before("f"), after("f"))
		f.Reason = planner.ReplaceByTriggers
		lbAfter := lb(map[string]cty.Value{
			"id": unknown, "name": str("api"), "listen": str("127.0.0.1:8080"), "settings": settings(30, 3),
			"health_check": healthCheck("/healthz", "1s", 2),
			"rule":         rules(rule("/", 9090, "GET", "HEAD")),
			"target":       cty.SetVal([]cty.Value{target("127.0.0.1:9001", 1)}),
			"listener":     cty.MapVal(map[string]cty.Value{"http": listener(80, "http")}),
		})
		l := change("local_load_balancer.api", planner.DeleteThenCreate, fullLB(str("lb-1")), lbAfter)
		l.Reason = planner.ReplaceBecauseCannotUpdate
		l.RequiredReplace = []cty.Path{cty.GetAttrPath("rule").IndexInt(0).GetAttr("port")}
		return newPlan(c, d, e, f, l)
	}},

	{"destroy", func() *planner.Plan {
		old := change("local_file.old", planner.Delete,
			file(map[string]cty.Value{"id": str("old-1"), "filename": str("out/old.txt"), "content": str("bye"), "file_permission": str("0644"), "aliases": strs("x")}), cty.NilVal)
		old.Reason = planner.DeleteBecauseNoResourceConfig
		mod := change("module.net.local_file.x", planner.Delete,
			file(map[string]cty.Value{"id": str("x-1"), "filename": str("out/x.txt")}), cty.NilVal)
		mod.Reason = planner.DeleteBecauseNoModule
		deposed := change("local_file.a", planner.Delete,
			file(map[string]cty.Value{"id": str("a-0"), "filename": str("out/a.txt")}), cty.NilVal)
		deposed.Deposed = "0b1c2d3e"
		lbGone := change("local_load_balancer.api", planner.Delete, fullLB(str("lb-1")), cty.NilVal)
		lbGone.Reason = planner.DeleteBecauseNoResourceConfig
		return newPlan(deposed, lbGone, old, mod)
	}},

	{"drift", func() *planner.Plan {
		recorded := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "content": str("hello"), "file_permission": str("0644")})
		live := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "content": str("edited by hand"), "file_permission": str("0644")})
		gone := file(map[string]cty.Value{"id": str("g-1"), "filename": str("out/gone.txt"), "content": str("x")})
		p := newPlan(
			change("local_file.a", planner.Update, live, recorded),
			change("local_file.gone", planner.Create, cty.NilVal, with(gone, map[string]cty.Value{"id": unknown})),
		)
		p.Drift = []*planner.ResourceChange{
			change("local_file.a", planner.Update, recorded, live),
			change("local_file.gone", planner.Delete, gone, cty.NilVal),
		}
		return p
	}},

	{"drift-no-changes", func() *planner.Plan {
		recorded := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "file_permission": str("0644")})
		live := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "file_permission": str("0600")})
		p := newPlan(change("local_file.a", planner.NoOp, live, live))
		p.Drift = []*planner.ResourceChange{change("local_file.a", planner.Update, recorded, live)}
		return p
	}},

	{"refresh-only", func() *planner.Plan {
		recorded := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "content": str("v1")})
		live := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt"), "content": str("v2")})
		p := newPlan()
		p.Mode = planner.RefreshOnlyMode
		p.Drift = []*planner.ResourceChange{change("local_file.a", planner.Update, recorded, live)}
		return p
	}},

	{"sensitive", func() *planner.Plan {
		p := newPlan(
			change("local_file.secret", planner.Create, cty.NilVal, file(map[string]cty.Value{
				"id":                unknown,
				"filename":          str("out/secret.txt"),
				"content":           secret(str("s3cr3t-content-SECRET")),
				"sensitive_content": str("schema-SECRET"),
				"tags":              cty.MapVal(map[string]cty.Value{"env": str("prod"), "token": secret(str("tok-SECRET"))}),
				"aliases":           cty.ListVal([]cty.Value{str("public"), secret(str("alias-SECRET"))}),
			})),
			change("local_file.rotate", planner.Update,
				file(map[string]cty.Value{"id": str("r-1"), "filename": str("out/r.txt"), "sensitive_content": str("old-schema-SECRET"), "content": secret(str("before-SECRET\nline two\n"))}),
				file(map[string]cty.Value{"id": str("r-1"), "filename": str("out/r.txt"), "sensitive_content": str("new-schema-SECRET"), "content": secret(str("after-SECRET\nline two\n"))})),
			change("local_file.gone", planner.Delete,
				file(map[string]cty.Value{"id": str("g-1"), "filename": str("out/g.txt"), "content": secret(str("gone-SECRET"))}), cty.NilVal),
		)
		// A sensitive value that forces replacement still says so, and
		// still shows nothing.
		rep := change("local_file.key", planner.DeleteThenCreate,
			file(map[string]cty.Value{"id": str("k-1"), "filename": secret(str("key-old-SECRET"))}),
			file(map[string]cty.Value{"id": unknown, "filename": secret(str("key-new-SECRET"))}))
		rep.Reason = planner.ReplaceBecauseCannotUpdate
		rep.RequiredReplace = []cty.Path{cty.GetAttrPath("filename")}
		p.Changes = append(p.Changes, rep)
		p.Variables = map[string]cty.Value{
			"password": secret(str("hunter2-var-SECRET")),
			"region":   str("eu-west-1"),
			"db":       cty.ObjectVal(map[string]cty.Value{"user": str("admin"), "pass": secret(str("pass-SECRET"))}),
		}
		p.Outputs = []*planner.OutputChange{
			{Name: "db_password", Action: planner.Create, Before: cty.NullVal(cty.String), After: str("out-SECRET"), Sensitive: true},
			{Name: "conn", Action: planner.Update, Before: secret(str("conn-old-SECRET")), After: secret(str("conn-new-SECRET"))},
		}
		p.Drift = []*planner.ResourceChange{change("local_file.rotate", planner.Update,
			file(map[string]cty.Value{"id": str("r-1"), "filename": str("out/r.txt"), "sensitive_content": str("drift-old-SECRET")}),
			file(map[string]cty.Value{"id": str("r-1"), "filename": str("out/r.txt"), "sensitive_content": str("drift-new-SECRET")}))}
		return p
	}},

	{"unknown", func() *planner.Plan {
		return newPlan(
			change("local_file.u", planner.Create, cty.NilVal, file(map[string]cty.Value{
				"id":       unknown,
				"filename": str("out/u.txt"),
				"content":  unknown,
				"tags":     cty.MapVal(map[string]cty.Value{"env": str("prod"), "build": unknown}),
				"aliases":  cty.ListVal([]cty.Value{str("a"), unknown}),
			})),
			change("local_file.v", planner.Update,
				file(map[string]cty.Value{"id": str("v-1"), "filename": str("out/v.txt"), "content": str("x"), "tags": strmap("a", "b")}),
				file(map[string]cty.Value{"id": str("v-1"), "filename": str("out/v.txt"), "content": unknown, "tags": cty.UnknownVal(cty.Map(cty.String))})),
			change("local_load_balancer.api", planner.Create, cty.NilVal, lb(map[string]cty.Value{
				"id":           unknown,
				"name":         str("api"),
				"listen":       unknown,
				"settings":     cty.UnknownVal(cty.Object(map[string]cty.Type{"timeout": cty.Number, "retries": cty.Number})),
				"health_check": lbSchema.BlockTypes["health_check"].Block.Object(map[string]cty.Value{"path": unknown}),
				"rule":         cty.UnknownVal(cty.List(lbSchema.BlockTypes["rule"].Block.ImpliedType())),
			})),
		)
	}},

	{"nested-blocks", func() *planner.Plan {
		before := lb(map[string]cty.Value{
			"id": str("lb-1"), "name": str("api"), "listen": str("127.0.0.1:8080"), "settings": settings(30, 3),
			"health_check": healthCheck("/healthz", "1s", 2),
			"rule":         rules(rule("/", 8080, "GET"), rule("/api", 8081, "GET"), rule("/admin", 8082, "GET")),
			"target":       cty.SetVal([]cty.Value{target("127.0.0.1:9001", 1), target("127.0.0.1:9002", 1)}),
			"listener":     cty.MapVal(map[string]cty.Value{"http": listener(80, "http"), "https": listener(443, "https")}),
		})
		after := lb(map[string]cty.Value{
			"id": str("lb-1"), "name": str("api"), "listen": str("127.0.0.1:8080"), "settings": settings(60, 3),
			"health_check": healthCheck("/ready", "1s", 2),
			"rule":         rules(rule("/", 8080, "GET"), rule("/api", 9081, "GET", "POST"), rule("/admin", 8082, "GET"), rule("/metrics", 9100, "GET")),
			"target":       cty.SetVal([]cty.Value{target("127.0.0.1:9001", 1), target("127.0.0.1:9003", 2)}),
			"listener":     cty.MapVal(map[string]cty.Value{"http": listener(80, "http"), "grpc": listener(50051, "h2")}),
		})
		// Only one block changes here; the others are counted.
		quiet := with(after, map[string]cty.Value{"name": str("web"), "id": str("lb-2")})
		quieter := with(quiet, map[string]cty.Value{"health_check": healthCheck("/ready", "5s", 2)})
		return newPlan(
			change("local_load_balancer.api", planner.Update, before, after),
			change("local_load_balancer.web", planner.Update, quiet, quieter),
		)
	}},

	{"moved", func() *planner.Plan {
		obj := file(map[string]cty.Value{"id": str("n-1"), "filename": str("out/n.txt"), "content": str("same"), "file_permission": str("0644")})
		mv := change("local_file.new", planner.NoOp, obj, obj)
		mv.PrevRunAddr = mustAddr("local_file.old")
		upd := change("module.b.local_file.x", planner.Update,
			file(map[string]cty.Value{"id": str("x-1"), "filename": str("out/x.txt"), "content": str("v1")}),
			file(map[string]cty.Value{"id": str("x-1"), "filename": str("out/x.txt"), "content": str("v2")}))
		upd.PrevRunAddr = mustAddr("module.a.local_file.x")
		return newPlan(mv, upd)
	}},

	{"import", func() *planner.Plan {
		obj := file(map[string]cty.Value{"id": str("out/imp.txt"), "filename": str("out/imp.txt"), "content": str("adopted"), "file_permission": str("0644"), "tags": strmap("env", "prod")})
		imp := change("local_file.imp", planner.NoOp, obj, obj)
		imp.Importing = &planner.Importing{ID: "out/imp.txt"}
		imp2 := change("local_file.imp2", planner.Update,
			file(map[string]cty.Value{"id": str("out/imp2.txt"), "filename": str("out/imp2.txt"), "content": str("as found"), "file_permission": str("0644")}),
			file(map[string]cty.Value{"id": str("out/imp2.txt"), "filename": str("out/imp2.txt"), "content": str("as configured"), "file_permission": str("0644")}))
		imp2.Importing = &planner.Importing{ID: "out/imp2.txt"}
		return newPlan(imp, imp2)
	}},

	{"count-index", func() *planner.Plan {
		f := func(i int) cty.Value {
			return file(map[string]cty.Value{"id": str(fmt.Sprintf("f-%d", i)), "filename": str(fmt.Sprintf("out/f%d.txt", i)), "content": str("x")})
		}
		upd := change("local_file.f[0]", planner.Update, f(0), with(f(0), map[string]cty.Value{"content": str("y")}))
		gone := change("local_file.f[2]", planner.Delete, f(2), cty.NilVal)
		gone.Reason = planner.DeleteBecauseCountIndex
		each := change(`local_file.g["x"]`, planner.Delete, f(9), cty.NilVal)
		each.Reason = planner.DeleteBecauseEachKey
		return newPlan(upd, gone, each)
	}},

	{"outputs", func() *planner.Plan {
		p := newPlan()
		obj := func(b int64) cty.Value { return cty.ObjectVal(map[string]cty.Value{"a": num(1), "b": num(b)}) }
		p.Outputs = []*planner.OutputChange{
			{Name: "config", Action: planner.Update, Before: obj(2), After: obj(3)},
			{Name: "endpoint", Action: planner.Create, Before: cty.NullVal(cty.String), After: str("127.0.0.1:8080")},
			{Name: "legacy", Action: planner.Delete, Before: str("x"), After: cty.NullVal(cty.String)},
			{Name: "pending", Action: planner.Create, Before: cty.NullVal(cty.String), After: unknown},
			{Name: "secret", Action: planner.Create, Before: cty.NullVal(cty.String), After: str("out-SECRET"), Sensitive: true},
			{Name: "servers", Action: planner.Create, Before: cty.NullVal(cty.List(cty.String)), After: strs("a", "b")},
			{Name: "unchanged", Action: planner.NoOp, Before: str("same"), After: str("same")},
			{Name: "version", Action: planner.Update, Before: str("v1"), After: str("v2")},
		}
		return p
	}},

	{"resources-and-outputs", func() *planner.Plan {
		p := newPlan(change("local_file.a", planner.Create, cty.NilVal, file(map[string]cty.Value{"id": unknown, "filename": str("out/a.txt")})))
		p.Outputs = []*planner.OutputChange{
			{Name: "file_id", Action: planner.Create, Before: cty.NullVal(cty.String), After: unknown},
		}
		return p
	}},

	{"no-changes", func() *planner.Plan {
		obj := file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt")})
		p := newPlan(change("local_file.a", planner.NoOp, obj, obj))
		p.Outputs = []*planner.OutputChange{{Name: "same", Action: planner.NoOp, Before: str("x"), After: str("x")}}
		return p
	}},

	{"no-changes-destroy", func() *planner.Plan {
		p := newPlan()
		p.Mode = planner.DestroyMode
		return p
	}},

	{"no-changes-refresh-only", func() *planner.Plan {
		p := newPlan()
		p.Mode = planner.RefreshOnlyMode
		return p
	}},

	{"destroy-mode", func() *planner.Plan {
		p := newPlan(change("local_file.a", planner.Delete, file(map[string]cty.Value{"id": str("a-1"), "filename": str("out/a.txt")}), cty.NilVal))
		p.Mode = planner.DestroyMode
		return p
	}},

	{"read", func() *planner.Plan {
		cmd := func(output cty.Value) cty.Value {
			return commandSchema.Object(map[string]cty.Value{"id": unknown, "command": strs("git", "describe"), "output": output})
		}
		r1 := change("data.local_command.version", planner.Read, cty.NullVal(commandSchema.ImpliedType()), cmd(unknown))
		r1.Reason = planner.ReadBecauseConfigUnknown
		r2 := change("data.local_command.after", planner.Read, cty.NullVal(commandSchema.ImpliedType()), cmd(unknown))
		r2.Reason = planner.ReadBecauseDependencyPending
		return newPlan(r2, r1)
	}},

	{"heredoc", func() *planner.Plan {
		var lines []string
		for i := 1; i <= 12; i++ {
			lines = append(lines, fmt.Sprintf("setting_%02d = %d", i, i))
		}
		before := ""
		for _, l := range lines {
			before += l + "\n"
		}
		lines[6] = "setting_07 = 700"
		lines = append(lines[:9], lines[10:]...)
		after := ""
		for _, l := range lines {
			after += l + "\n"
		}
		return newPlan(
			change("local_file.cfg", planner.Update,
				file(map[string]cty.Value{"id": str("cfg"), "filename": str("out/app.conf"), "content": str(before)}),
				file(map[string]cty.Value{"id": str("cfg"), "filename": str("out/app.conf"), "content": str(after)})),
			change("local_file.h", planner.Create, cty.NilVal, file(map[string]cty.Value{
				"id": unknown, "filename": str("out/h.txt"), "content": str("line one\n  line two\n\nline four\n"),
			})),
			// No final newline: a heredoc could not show it exactly.
			change("local_file.q", planner.Create, cty.NilVal, file(map[string]cty.Value{
				"id": unknown, "filename": str("out/q.txt"), "content": str("no\nfinal newline"),
			})),
		)
	}},

	{"no-schema", func() *planner.Plan {
		before := cty.ObjectVal(map[string]cty.Value{
			"id":    str("t-1"),
			"size":  num(1),
			"spec":  cty.ObjectVal(map[string]cty.Value{"image": str("api:1"), "ports": cty.ListVal([]cty.Value{num(80)})}),
			"zones": cty.SetVal([]cty.Value{str("a"), str("b")}),
		})
		after := cty.ObjectVal(map[string]cty.Value{
			"id":    str("t-1"),
			"size":  num(2),
			"spec":  cty.ObjectVal(map[string]cty.Value{"image": str("api:2"), "ports": cty.ListVal([]cty.Value{num(80)})}),
			"zones": cty.SetVal([]cty.Value{str("a"), str("c")}),
		})
		ch := change("other_thing.t", planner.Update, before, after)
		ch.Provider = state.ProviderRef{Source: "example/other", Alias: "west"}
		return newPlan(ch)
	}},

	// Values a careful planner would not make, shown rather than hidden
	// or panicked over.
	{"odd-values", func() *planner.Plan {
		dyn := change("other_thing.dyn", planner.Update,
			cty.ObjectVal(map[string]cty.Value{
				"id":    str("d-1"),
				"tuple": cty.TupleVal([]cty.Value{str("a"), num(1)}),
				"shape": str("was a string"),
				"empty": cty.ListValEmpty(cty.String),
				"gone":  strmap("k", "v"),
				"frac":  cty.NumberFloatVal(0.1),
				"huge":  cty.NumberIntVal(1),
			}),
			cty.ObjectVal(map[string]cty.Value{
				"id":    str("d-1"),
				"tuple": cty.TupleVal([]cty.Value{str("a"), num(2), cty.True}),
				"shape": cty.ObjectVal(map[string]cty.Value{"now": str("an object")}),
				"empty": strs("x"),
				"gone":  cty.NullVal(cty.Map(cty.String)),
				"frac":  cty.MustParseNumberVal("1e30"),
				"huge":  cty.PositiveInfinity,
			}))
		// The schema says rule is a list of blocks; the value disagrees.
		mismatch := change("local_load_balancer.odd", planner.Create, cty.NilVal, cty.ObjectVal(map[string]cty.Value{
			"name": str("odd"),
			"rule": cty.ObjectVal(map[string]cty.Value{"path": str("/")}),
		}))
		// A whole object sensitive, a nested block sensitive, a whole
		// object unknown.
		whole := change("local_file.whole", planner.Update,
			secret(file(map[string]cty.Value{"id": str("w-1"), "filename": str("w-SECRET")})),
			secret(file(map[string]cty.Value{"id": str("w-1"), "filename": str("w2-SECRET")})))
		block := change("local_load_balancer.block", planner.Update, fullLB(str("lb-1")),
			with(fullLB(str("lb-1")), map[string]cty.Value{"health_check": secret(healthCheck("/SECRET", "1s", 2))}))
		unknownObj := change("local_file.later", planner.Create, cty.NilVal, cty.UnknownVal(fileSchema.ImpliedType()))
		return newPlan(dyn, mismatch, whole, block, unknownObj)
	}},

	{"errored", func() *planner.Plan {
		p := newPlan(change("local_file.a", planner.Create, cty.NilVal, file(map[string]cty.Value{"id": unknown, "filename": str("out/a.txt")})))
		p.Errored = true
		return p
	}},
}, clusterFixtures, railingFixtures)
