resource "local_file" "greeting" {
  path    = "hello.txt"
  content = "Hello, world
}
