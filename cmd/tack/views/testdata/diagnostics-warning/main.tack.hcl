resource "local_file" "a" {
  path     = "a.txt"
  content  = "x"
  sensitive_content = "y"
}
