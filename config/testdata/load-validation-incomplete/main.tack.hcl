variable "replicas" {
  typ = number
  validation {
    condition = var.replicas > 0
  }
}
