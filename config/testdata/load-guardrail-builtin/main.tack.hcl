guardrail "traffic-guard" {
  enforcement = "overridable"
  condition   = true
}

guardrail "capacity-drop" {
  max_drop = 0.25
}

guardrail "prod-keeps-two" {
  enforcement = "advisory"
  condition   = true
  message     = "x"
  max_drop    = 0.5
}
