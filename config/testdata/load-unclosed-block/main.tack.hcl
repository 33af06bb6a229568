resource "local_file" "a" {
  path = "a"

resource "local_file" "b" {
  path = "b"
}
