module "missing" {
  source = "./nowhere"
}

module "loop" {
  source = "./loop"
}
