# conftest's other rule names: violation, with structured results, and
# the families deny_…, violation_…, warn_… and override_required_…,
# each read under its own name.
package main

import rego.v1

violation contains {"msg": "files are kept forever", "address": rc.address, "details": {"actions": rc.change.actions}} if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

deny_red_black_in_prod contains msg if {
	some c in input.cluster_changes
	c.stack == "prod"
	c.strategy == "red_black"
	msg := sprintf("%s deploys red/black in prod", [c.address])
}

violation_capacity contains {"msg": "desired capacity is fewer than 2", "address": c.address} if {
	some c in input.cluster_changes
	c.capacity.desired < 2
}

override_required_small contains "a small cluster needs a second look" if {
	some c in input.cluster_changes
	c.capacity.desired < 2
}

warn_clusters contains "the plan changes clusters" if count(input.cluster_changes) > 0

# Names that only look like the rules tack reads: never reported.
denied contains "denied" if true

warning contains "warning" if true

violations contains "violations" if true
