variable "tags" {
  type = map
}
variable "shape" {
  type = object({ size = optional(number, "big") })
}
