resource "local_file" "a" {
  count = -1
  path  = "a"
}

resource "local_file" "b" {
  count = 1.5
  path  = "b"
}

resource "local_file" "c" {
  for_each = ["x", "y"]
  path     = each.key
}

resource "local_file" "d" {
  for_each = "x"
  path     = each.key
}

resource "local_file" "e" {
  for_each = toset([1, 2])
  path     = each.key
}

module "m" {
  source = "./m"
  count  = "two"
}

resource "local_file" "ok" {
  for_each = { a = 1 }
  path     = each.key
}
