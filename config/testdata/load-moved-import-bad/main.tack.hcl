moved {
  from = "local_file.a"
  to   = local_file.b
}

import {
  to = local_file.c[var.key]
}
