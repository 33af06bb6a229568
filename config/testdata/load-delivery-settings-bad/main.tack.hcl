delivery_policy "safe" {
  strategy = "red_black"
  red_black {
    delay_before_disable        = "five seconds"
    max_remaining_server_groups = 0
    scale_dwon                  = true
  }
  health {
    min_healthy_percent = 150
  }
  window {
    days      = ["mon", "tues"]
    hours     = "9-5"
    time_zone = "Mars/Olympus_Mons"
  }
  canary {
    weight = 10
  }
}

delivery_policy "gradual" {
  strategy = "rolling"
  rolling {
    steps = [50, 25]
  }
  rollback {}
  rollback {}
}

delivery_policy "careful" {
  strategy = "canary"
  canary {
    analysis {
      confidence = 98
    }
  }
}
