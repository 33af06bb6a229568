package b

# Arrays keep the policy's order; Eval must not.
warn := [
	{"msg": "z", "address": "cluster.z"},
	{"msg": "b", "address": "cluster.a"},
	"no address",
	{"msg": "a", "address": "cluster.a"},
]

deny := ["second", "first"]

# A level's rules sort by name, after the level: deny, deny_z, violation,
# then warn, warn_a.
warn_a := ["from warn_a"]

violation := ["from violation"]

deny_z := ["from deny_z"]
