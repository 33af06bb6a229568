package main

deny contains {"msg": "files are kept forever", "address": ["local_file.a"]} if true
