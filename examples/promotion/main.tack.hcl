# Promotion: one service in two environments. A version reaches prod
# only after staging has run it healthy for the soak time and someone
# approved it, never on a weekend, never if it was vetoed; guardrails and
# a Rego policy judge every plan. README.md walks through it.

tack {
  required_providers {
    local = { source = "tack/local" }
  }
}

provider "local" {}

variable "staging_version" {
  type    = string
  default = "v1"
}

variable "prod_version" {
  type    = string
  default = "v1"
}

variable "prod_desired" {
  type        = number
  description = "How many instances prod runs."
  default     = 2
}

variable "soak" {
  type        = string
  description = "How long staging runs a version before prod may have it."
  default     = "10m"
}

application "hello" {
  owner = "promotion@example.com"
}

environment "staging" {}

environment "prod" {
  depends_on      = [environment.staging]
  soak            = var.soak
  manual_approval = true
  protected       = true
  allowed_times {
    days = ["mon", "tue", "wed", "thu", "fri"]
  }
}

delivery_policy "safe" {
  strategy = "red_black"
  health {
    healthy_deadline = "10s"
  }
  rollback {
    on_failure = true
  }
}

resource "local_load_balancer" "staging" {
  listen = "127.0.0.1:8081"
  health_check {
    path = "/healthz"
  }
}

resource "local_load_balancer" "prod" {
  listen = "127.0.0.1:8082"
  health_check {
    path = "/healthz"
  }
}

cluster "hello-staging" {
  application    = application.hello
  stack          = "staging"
  environment    = environment.staging
  provider       = local
  delivery       = delivery_policy.safe
  load_balancers = [local_load_balancer.staging.id]
  server_group {
    command = ["./quickstart"]
    version = var.staging_version
  }
}

cluster "hello-prod" {
  application    = application.hello
  stack          = "prod"
  environment    = environment.prod
  provider       = local
  delivery       = delivery_policy.safe
  load_balancers = [local_load_balancer.prod.id]
  capacity {
    desired = var.prod_desired
  }
  server_group {
    command = ["./quickstart"]
    version = var.prod_version
  }
}

# Production keeps two instances; a person may decide otherwise, with a
# reason the state keeps. (Destroying prod is for the built-in
# protected-environment guardrail to refuse.)
guardrail "prod-keeps-two" {
  enforcement = "overridable"
  applies_to  = [environment.prod]
  condition   = change.action == "destroy" || change.after.capacity.desired >= 2
  message     = "production clusters keep at least two instances"
}

# One apply may take away at most a quarter of a cluster's capacity.
guardrail "capacity-drop" {
  max_drop = 0.25
}
