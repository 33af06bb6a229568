module "net" {
  source = "./net"
  cdir   = "10.0.0.0/16"
}

output "net_id" {
  value = module.net.idd
}
