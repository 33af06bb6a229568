guardrail "keep-two" {
  enforcement = "mandatroy"
  condition   = true
  message     = "x"
}
