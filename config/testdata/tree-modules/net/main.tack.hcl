variable "cidr" {
  type = string
}

module "subnet" {
  source = "./subnet"
}

output "id" {
  value = module.subnet.id
}
