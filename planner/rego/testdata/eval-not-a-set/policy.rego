package main

deny := "a single message"
