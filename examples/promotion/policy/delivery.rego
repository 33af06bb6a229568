# Rego policies in policy/ judge the plan as `tack show -json` prints it
# (docs/json-format.md); conftest users keep theirs here.
package delivery

import rego.v1

# Prod never deploys by highlander: it destroys every older group at once.
deny contains result if {
	some c in input.cluster_changes
	c.environment == "prod"
	c.strategy == "highlander"
	result := {"msg": "prod does not deploy by highlander", "address": c.address}
}

# Say so when a plan deploys to prod and changes other things too.
warn contains "this plan deploys to prod and changes resources too: consider two plans" if {
	some c in input.cluster_changes
	c.environment == "prod"
	c.action != "no-op"
	some r in input.resource_changes
	r.change.actions != ["no-op"]
}
