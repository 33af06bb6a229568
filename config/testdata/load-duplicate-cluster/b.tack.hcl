cluster "api-prod" {
  application = application.api
  provider    = local
  server_group {}
}
