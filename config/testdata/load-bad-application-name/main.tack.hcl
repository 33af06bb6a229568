application "my-api" {
  owner = "edge@example.com"
}
