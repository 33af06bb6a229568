delivery_policy "fast" {}
delivery_policy "safe" {
  strategy = var.strategy
}
delivery_policy "blue" {
  strategy = "blue_green"
}
