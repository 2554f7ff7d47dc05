"""The local HTTP API: loopback only, bearer token, Host/Origin checks, rate limit."""
