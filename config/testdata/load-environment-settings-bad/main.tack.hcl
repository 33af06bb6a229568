environment "prod" {
  soak            = "a while"
  manual_approval = "yes"
  protcted        = true
  allowed_times {
    days = ["weekdays"]
  }
  allowed_times {}
}
