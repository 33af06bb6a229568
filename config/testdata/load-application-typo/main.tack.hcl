application "api" {
  ownr = "edge@example.com"
}
