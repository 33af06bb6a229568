guardrail "keep-two" {
  enforcement = "advisory"
}
