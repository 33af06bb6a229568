cluster "api-prod" {
  application = application.api
  provider    = local
}
