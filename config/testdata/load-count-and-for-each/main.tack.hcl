resource "local_file" "a" {
  count    = 2
  for_each = toset(["x"])
  path     = "a"
}
