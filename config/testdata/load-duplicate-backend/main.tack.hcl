tack {
  backend "local" {}
}
tack {
  backend "s3" {}
}
