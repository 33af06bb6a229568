resource "local_file" "a" {
  path = "a.txt"
  mode = "0644"
}
