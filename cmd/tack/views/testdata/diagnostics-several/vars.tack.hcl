variable "region" {
  default = "us-east-1"
  typ     = string
}
