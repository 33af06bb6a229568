package main

deny[msg] {
	rc := input.resource_changes[_]
	rc.change.actions[_] == "delete"
	msg := sprintf("%s would be deleted; files are kept forever", [rc.address])
}

warn[msg] {
	c := input.cluster_changes[_]
	c.stack == "prod"
	c.strategy == "red_black"
	msg := sprintf("%s deploys red/black in prod: capacity doubles during the deploy", [c.address])
}

override_required[msg] {
	c := input.cluster_changes[_]
	c.capacity.desired < 2
	msg := sprintf("%s would run %d instance, fewer than 2", [c.address, c.capacity.desired])
}
