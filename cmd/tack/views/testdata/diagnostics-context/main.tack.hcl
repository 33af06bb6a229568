cluster "web" {
  provider = aws

  strategy "red_black" {
    max_remaining = 0
    scale_down    = true
  }
}
