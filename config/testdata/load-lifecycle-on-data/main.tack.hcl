data "local_file" "a" {
  path = "a"
  lifecycle {
    prevent_destroy = true
  }
}

resource "local_file" "b" {
  path = "b"
  lifecycle {
    prevent_destroy = "yes please"
  }
  lifecycle {}
}
