resource "local_file" "a" {
  path = "a.txt"
