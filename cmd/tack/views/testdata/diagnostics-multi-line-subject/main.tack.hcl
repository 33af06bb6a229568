resource "local_file" "a" {
  path = "a.txt"
  tags = {
    owner = "web"
    team  = 42
  }
}
