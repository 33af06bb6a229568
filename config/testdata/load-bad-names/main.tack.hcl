variable "1st" {}

resource "local_file" "a.b" {
  path = "a"
}

provider "local" {
  alias = "west coast"
}
