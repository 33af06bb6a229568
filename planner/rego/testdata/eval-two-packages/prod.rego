# An older conftest policy in v0 syntax, beside a v1 one.
package tack.prod

warn[{"msg": "red/black in prod", "address": c.address}] {
	c := input.cluster_changes[_]
	c.stack == "prod"
	c.strategy == "red_black"
}

# Not one of the rules tack reads (warn_… would be): never reported.
warnings[msg] {
	msg := "ignored"
}
