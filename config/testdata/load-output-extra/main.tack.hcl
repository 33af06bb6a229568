output "x" {
  value     = 1
  sensitive = "maybe"
  depends_on = local_file.a
}
