package tack.slow

# Ten billion steps: it only ends when it is cancelled.
deny contains "never" if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i * j < 0
}
