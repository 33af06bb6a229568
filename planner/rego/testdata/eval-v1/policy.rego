package main

deny contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s would be deleted; files are kept forever", [rc.address])
}

warn contains msg if {
	some c in input.cluster_changes
	c.stack == "prod"
	c.strategy == "red_black"
	msg := sprintf("%s deploys red/black in prod: capacity doubles during the deploy", [c.address])
}

override_required contains msg if {
	some c in input.cluster_changes
	c.capacity.desired < 2
	msg := sprintf("%s would run %d instance, fewer than 2", [c.address, c.capacity.desired])
}
