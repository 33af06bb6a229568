variable "cidr" {
  type = string
}

variable "zone" {
  default = "a"
}

output "id" {
  value = var.cidr
}
