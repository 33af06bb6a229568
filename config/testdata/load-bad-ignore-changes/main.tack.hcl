resource "local_file" "a" {
  path = "a"
  lifecycle {
    ignore_changes = ["content", path]
    create_before_destroy = var.flag
  }
}
