variable "replicas" {
  type    = number
  default = "three"
}

variable "zone" {
  type     = string
  nullable = false
  default  = null
}

variable "shape" {
  type = lisst(string)
}
