# Helpers only: loaded, but nothing to evaluate.
package lib

is_delete(rc) if "delete" in rc.change.actions
