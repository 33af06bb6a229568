variable "replicas" {
  type = number
  validation {
    condition     = var.replicas <= var.max_replicas
    error_message = "Too many."
  }
}
