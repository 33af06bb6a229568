tack {
  required_version = ">= 0.1"
  required_providers {
    local = { source = "tack/local", version = "~> 0.1" }
    hello = { source = "vendor/hello" }
  }
  backend "local" {
    path = "tack.state.json"
  }
}

provider "local" {}

provider "local" {
  alias     = "scratch"
  directory = "/tmp"
}

variable "version" {
  type        = string
  description = "artifact version to deliver"
}

variable "settings" {
  type = object({
    replicas = optional(number, 2)
    region   = string
  })
  default   = { region = "eu" }
  sensitive = true
  nullable  = false

  validation {
    condition     = var.settings.replicas > 0
    error_message = "At least one replica."
  }
}

locals {
  owner = "edge@example.com"
  name  = "api-${var.version}"
}

application "api" {
  owner = local.owner
}

resource "local_file" "greeting" {
  count   = 2
  path    = "greeting-${count.index}.txt"
  content = "hello"

  provider   = local.scratch
  depends_on = [local_file.other]

  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [content]
    replace_triggered_by  = [local_file.other.id]
  }
}

resource "local_file" "other" {
  for_each = toset(["a", "b"])
  path     = "${each.key}.txt"
  content  = each.value
}

data "local_file" "motd" {
  path = "/etc/motd"
}

module "net" {
  source = "./net"
  cidr   = "10.0.0.0/16"
}

moved {
  from = local_file.old
  to   = local_file.greeting
}

import {
  to = local_file.other["a"]
  id = "a.txt"
}

delivery_policy "safe" {
  strategy = "red_black"
  red_black {
    delay_before_disable        = "5s"
    max_remaining_server_groups = 2
  }
  health {
    min_healthy_percent = 100
    healthy_deadline    = "2m"
  }
  rollback { on_failure = true }
  window {
    days      = ["mon", "tue", "wed", "thu"]
    hours     = "09:00-16:00"
    time_zone = "America/Los_Angeles"
  }
}

delivery_policy "careful" {
  strategy = "canary"
  canary {
    weight   = 10
    duration = "10m"
    analysis {
      interval        = "1m"
      confidence      = 0.98
      max_error_ratio = 0.01
      pass_score      = 95
      marginal_score  = 75
    }
  }
  red_black { delay_before_disable = "1m" }
}

delivery_policy "gradual" {
  strategy = "rolling"
  rolling {
    steps               = [25, 50, 100]
    delay_between_steps = "30s"
  }
}

environment "prod" {
  depends_on      = [environment.staging]
  soak            = "1h"
  manual_approval = true
  protected       = true
  allowed_times {
    days  = ["mon", "tue", "wed", "thu", "fri"]
    hours = "08:00-18:00"
  }
}

environment "staging" {}

cluster "api-prod-canary.v2" {
  application    = application.api
  stack          = "prod"
  detail         = "canary.v2"
  provider       = local
  delivery       = delivery_policy.safe
  environment    = environment.prod
  load_balancers = []

  capacity {
    min     = 2
    desired = 3
    max     = 6
  }

  server_group {
    command = ["bin/api", "--version", var.version]
  }
}

guardrail "prod-keeps-two" {
  enforcement = "overridable"
  condition   = change.kind != "cluster" || change.after.capacity.min >= 2
  message     = "production clusters keep at least two instances"
}

output "endpoint" {
  value       = local_file.greeting[0].path
  description = "where the greeting lives"
  sensitive   = false
  depends_on  = [local_file.other]
}
