package main

warn[msg] {
	msg := "fine"
}

deny[msg] {
	rc := input.resource_changes[_]
	msg := sprintf("%s is deleted", [rc.address]
}
