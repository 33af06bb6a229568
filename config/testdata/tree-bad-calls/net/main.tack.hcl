variable "cidr" {
  type = string
}

variable "zone" {
  default = "a"
}
