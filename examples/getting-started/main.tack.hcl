# A first configuration for tack, on the embedded local platform: a few
# files managed like infrastructure. `make demo` plans and applies it in a
# scratch copy (bin/demo), changes it, and destroys it.

variable "greeting" {
  type        = string
  description = "what the welcome file says"
  default     = "hello from tack"
}

variable "replicas" {
  type    = number
  default = 3
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 9
    error_message = "Run between one and nine replicas."
  }
}

locals {
  site = "site"
}

resource "local_file" "welcome" {
  path    = "${local.site}/index.html"
  content = "<h1>${var.greeting}</h1>\n"
}

resource "local_file" "replica" {
  count   = var.replicas
  path    = "${local.site}/replica-${count.index}.conf"
  content = "replica = ${count.index}\nwelcome_sha256 = ${local_file.welcome.sha256}\n"
}

output "welcome_file" {
  value = local_file.welcome.path
}

output "replica_files" {
  value = local_file.replica[*].path
}
