package tack.prod

warn contains {"message": "msg is spelt msg, not message"} if true
