# The quickstart: one small HTTP service, delivered to three processes on
# this machine behind a load balancer, by red/black with a health gate and
# automatic rollback. README.md walks through it; `make demo` runs it.

tack {
  required_providers {
    local = { source = "tack/local" }
  }
}

# The local platform runs server groups as processes of this machine and
# keeps them (and the load balancer) running after tack exits.
provider "local" {}

variable "version" {
  type        = string
  description = "The version to deliver: what the service answers on /."
  default     = "v1"
}

variable "unhealthy" {
  type        = bool
  description = "Deliver a broken release, whose /healthz fails, to see the health gate roll it back."
  default     = false
}

variable "port" {
  type        = number
  description = "The load balancer's port on 127.0.0.1."
  default     = 8080
}

application "hello" {
  owner = "quickstart@example.com"
}

resource "local_load_balancer" "hello" {
  listen = "127.0.0.1:${var.port}"
  health_check {
    path              = "/healthz"
    interval          = "250ms"
    healthy_threshold = 2
  }
}

# red/black: start the new group beside the old one, wait until all of it
# is healthy, send traffic to it, and disable the old group a moment
# later. A group that is not healthy in time is removed again and the old
# one keeps serving.
delivery_policy "quick" {
  strategy = "red_black"
  red_black {
    delay_before_disable        = "2s"
    max_remaining_server_groups = 2
  }
  health {
    min_healthy_percent = 100
    healthy_deadline    = "6s"
  }
  rollback {
    on_failure = true
  }
}

cluster "hello-prod" {
  application    = application.hello
  stack          = "prod"
  provider       = local
  delivery       = delivery_policy.quick
  load_balancers = [local_load_balancer.hello.id]
  capacity {
    desired = 3 # min and max default to desired
  }

  # The program each of the three instances runs: examples/quickstart/app,
  # built as ./quickstart beside this file. It reads its version from
  # $TACK_VERSION, which the platform sets from `version`.
  server_group {
    command = ["./quickstart"]
    version = var.version
    env = {
      QUICKSTART_UNHEALTHY = tostring(var.unhealthy)
    }
  }
}

output "endpoint" {
  description = "Where the service answers."
  value       = "http://${local_load_balancer.hello.address}/"
}
