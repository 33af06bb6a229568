variable "region" {
  default = "eu"
}

resource "local_file" "a" {
  path = "b"
}
