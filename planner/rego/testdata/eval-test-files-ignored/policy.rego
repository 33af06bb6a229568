package main

deny contains "from policy.rego" if {
	count(input.resource_changes) > 0
}
