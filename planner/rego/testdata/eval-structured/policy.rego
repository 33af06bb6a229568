package main

deny contains {"msg": "files are kept forever", "address": rc.address} if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

override_required contains {"msg": sprintf("desired capacity %d is fewer than 2", [c.capacity.desired]), "address": c.address} if {
	some c in input.cluster_changes
	c.capacity.desired < 2
}

# conftest's structured form without an address, and extra fields ignored.
warn contains {"msg": "the plan changes clusters", "details": {"count": count(input.cluster_changes)}} if {
	count(input.cluster_changes) > 0
}
