module "net" {
  source = "git::https://example.com/net.git"
}

module "db" {
  source = var.path
}
