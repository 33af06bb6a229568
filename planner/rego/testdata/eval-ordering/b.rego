package b

# Arrays keep the policy's order; Eval must not.
warn := [
	{"msg": "z", "address": "cluster.z"},
	{"msg": "b", "address": "cluster.a"},
	"no address",
	{"msg": "a", "address": "cluster.a"},
]

deny := ["second", "first"]
