resource "local_file" "a" {
  path = "a"
}

variable "region" {}
