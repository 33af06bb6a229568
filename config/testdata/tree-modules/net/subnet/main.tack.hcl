resource "local_file" "web" {
  count   = 2
  path    = "subnet-${count.index}"
  content = "x"
}

output "id" {
  value = local_file.web[0].id
}
