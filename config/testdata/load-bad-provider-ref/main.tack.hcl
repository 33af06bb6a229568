resource "local_file" "a" {
  path     = "a"
  provider = "local"
}
