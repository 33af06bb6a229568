resource "local_file" "a" {
  path = "a.txt"
}

output "path" { value = local_file.a.pth }