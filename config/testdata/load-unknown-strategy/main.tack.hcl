delivery_policy "safe" {
  strategy = "red-black"
}
