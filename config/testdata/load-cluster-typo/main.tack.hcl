cluster "api-prod" {
  aplication = application.api
  provider   = local
  server_group {}
  capacity {
    minimum = 1
  }
}
