package main

deny contains 42 if true
