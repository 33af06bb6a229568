package main

warn contains msg if {
	msg := 
}
