output "endpoint" {
  valeu = "x"
}

guardrail "g" {
  enforcement = "advisory"
  condition   = true
  mesage      = "x"
}
