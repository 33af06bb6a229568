tack {
  required_providers {
    local = "tack/local"
    aws   = { source = "tack/aws" }
  }
  required_providers {
    aws = { source = "tack/aws" }
  }
}
