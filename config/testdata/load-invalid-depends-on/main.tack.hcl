resource "local_file" "a" {
  path       = "a"
  depends_on = ["local_file.b", local_file.c[0].id]
}
