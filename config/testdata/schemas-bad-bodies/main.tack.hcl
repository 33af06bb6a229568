resource "local_file" "typo" {
  path    = "a"
  contnet = "x"
}

resource "local_file" "missing" {
  content = "x"
}

resource "local_file" "wrong_type" {
  path            = "a"
  file_permission = ["0644"]
  sha256          = "abc"
}

resource "local_fiel" "unknown_type" {
  path = "a"
}

resource "local_file" "blocks" {
  path = "a"
  check { url = "x" }
  check { url = "y" }
}

resource "aws_instance" "skipped" {
  ami = "x"
}

cluster "api-prod" {
  application = application.api
  provider    = local
  server_group {
    comand = ["bin/api"]
  }
}

cluster "api-staging" {
  application = application.api
  provider    = hello
  server_group {}
}
