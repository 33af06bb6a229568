variable "names" {
  type = list(string)
}

locals {
  greeting = file("missing.txt")
}

resource "local_file" "a" {
  path    = "a.txt"
  content = var.names
}

resource "local_file" "b" {
  path = "b.txt"
  dynamic "contents" {
    for_each = var.names
    content {}
  }
}

output "shout" {
  value = upper(["x"])
}
