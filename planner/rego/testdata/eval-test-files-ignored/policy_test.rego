# conftest's unit tests: tack must not load them, or this deny would show.
package main

deny contains "from policy_test.rego" if true

test_deny_on_changes if {
	deny["from policy.rego"] with input as {"resource_changes": [{}]}
}
