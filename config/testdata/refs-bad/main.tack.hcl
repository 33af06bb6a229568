variable "region" {}

locals {
  name = "api-${var.regoin}"
  also = local.nmae
}

resource "local_file" "a" {
  path    = "${count.index}.txt"
  content = each.value
}

resource "local_file" "b" {
  count   = 2
  path    = "b-${count.index}.txt"
  content = local_file.c.content
}

output "motd" {
  value = data.local_file.motd.content
}

output "net" {
  value = module.nett.id
}

cluster "api-prod" {
  application = application.api
  provider    = local
  delivery    = delivery_policy.safe
  server_group {
    command = [var.region]
  }
}

guardrail "names-known" {
  enforcement = "advisory"
  condition   = change.address != var.nope
  message     = "never ${change.address}"
}

locals {
  addr = change.address
}

environment "qa" {
  depends_on = [environment.stagin]
}

environment "east" {
  depends_on = [environment.west]
}

environment "west" {
  depends_on = [environment.east]
}
