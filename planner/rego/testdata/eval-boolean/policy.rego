package main

deny if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

default warn := false

warn if count(input.cluster_changes) > 10

# Undefined: there is no such change, and no default.
override_required if {
	some c in input.cluster_changes
	c.action == "destroy"
}
