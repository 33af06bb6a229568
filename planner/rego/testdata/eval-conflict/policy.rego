package tack.prod

deny := "a" if count(input.resource_changes) > 0

deny := "b" if count(input.cluster_changes) > 0
