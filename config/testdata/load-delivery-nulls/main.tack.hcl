delivery_policy "gradual" {
  strategy = "rolling"
  rolling {
    steps = [25, null, 100]
  }
  window {
    days  = ["mon", null]
    hours = "09:00-24:59"
  }
}

environment "e" {
  allowed_times {
    days  = [null]
    hours = "00:00-24:00"
  }
}
