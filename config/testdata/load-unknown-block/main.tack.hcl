resourse "local_file" "a" {
  path = "a"
}
