locals {
  a    = local.b
  b    = "${local.c}-x"
  c    = local.a
  self = local.self
  ok   = local.a
}
