moved {
  to = local_file.b
}
import {
  id = "x"
}
