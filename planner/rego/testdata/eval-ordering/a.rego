package a

override_required := ["only"]

warn := ["z", "y"]
