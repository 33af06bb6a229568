resource "local_file" "a" {
	path = "a.txt"
	tags = { "名前" = "café",	badkey = 1 }
}
