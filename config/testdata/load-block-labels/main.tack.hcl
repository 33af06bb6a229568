resource "local_file" {
  path = "a"
}
variable {}
cluster "a" "b" {}
