resource "local_file" "greeting" {
  path    = "hello.txt"
  content = "Hello, world"

resource "local_file" "farewell" {
  path = "bye.txt"
}
