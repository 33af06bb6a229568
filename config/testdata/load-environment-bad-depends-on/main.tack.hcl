environment "prod" {
  depends_on = "staging"
}
