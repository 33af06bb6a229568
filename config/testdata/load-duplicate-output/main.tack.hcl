output "endpoint" {
  value = "a"
}
output "endpoint" {
  value = "b"
}
