variable "name" {
  type = string
}

resource "local_file" "a" {
  path    = "a.txt"
  contnet = "x"
}
