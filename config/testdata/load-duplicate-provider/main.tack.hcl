provider "local" {}
provider "local" {
  directory = "/tmp"
}
provider "local" {
  alias = "west"
}
provider "local" {
  alias = "west"
}
